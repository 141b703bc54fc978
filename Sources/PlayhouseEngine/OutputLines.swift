import Foundation
import PlayhouseCore

/// Cuts a run's stdout or stderr into whole lines, masked, with no line longer than
/// `maxLineBytes`: the rest of a longer line is dropped up to its newline, with a mark,
/// so a program printing a gigabyte without a newline costs at most one line of memory.
/// Secrets are masked before any cut, and a secret's beginning left at a cut is hidden.
struct OutputLines {
    let mask: SecretMask
    let maxLineBytes: Int
    private var carry: [UInt8] = []
    /// Inside a line already cut: everything up to its newline is dropped.
    private var skipping = false

    init(mask: SecretMask, maxLineBytes: Int) {
        self.mask = mask
        self.maxLineBytes = maxLineBytes
    }

    /// What may be handed over once `bytes` have been read: whole lines (never a UTF-8
    /// character cut in two), or nothing yet.
    mutating func take(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let base = bytes.baseAddress else { return nil }
        var start = 0
        if skipping {
            // memchr: a program may print gigabytes here, and all of it is only looked at.
            guard let newline = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count) else { return nil }
            skipping = false
            start = base.distance(to: UnsafeRawPointer(newline)) + 1
        }
        carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...]))
        var text = ""
        if let lastNewline = carry.lastIndex(of: UInt8(ascii: "\n")) {
            text = lines(carry[...lastNewline])
            carry.removeSubrange(...lastNewline)
        }
        if carry.count > maxLineBytes {
            text += cut(carry[...])
            carry.removeAll(keepingCapacity: true)
            skipping = true
        }
        return text.isEmpty ? nil : text
    }

    /// The last line, when the output did not end with a newline.
    mutating func finish() -> String? {
        defer { carry.removeAll() }
        return carry.isEmpty ? nil : mask.apply(String(decoding: carry, as: UTF8.self))
    }

    /// Complete lines, each longer one cut.
    private func lines(_ bytes: ArraySlice<UInt8>) -> String {
        // The common case: nothing here can be too long.
        guard bytes.count > maxLineBytes else { return mask.apply(String(decoding: bytes, as: UTF8.self)) }
        var text = ""
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
            text += line.count > maxLineBytes ? cut(line) : mask.apply(String(decoding: line, as: UTF8.self)) + "\n"
        }
        return text
    }

    /// The first `maxLineBytes` of a line (backed off to a character boundary), masked,
    /// and the mark that says the rest was dropped.
    private func cut(_ line: ArraySlice<UInt8>) -> String {
        var end = line.startIndex + maxLineBytes
        while end > line.startIndex, line[end] & 0xC0 == 0x80 { end -= 1 }
        return mask.applyCut(String(decoding: line[..<end], as: UTF8.self))
            + "… [Playhouse: line longer than \(maxLineBytes / 1024) KB cut here]\n"
    }
}
