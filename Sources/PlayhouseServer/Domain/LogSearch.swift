import PlayhouseStore

/// Finds the lines of a job's log that match, as a reader sees them: colour codes are
/// not part of a line's text, and letters match in either case (ASCII letters; other
/// characters match exactly). Works on the stored bytes, one chunk at a time, so a search
/// of a million lines allocates only for its hits.
struct LogSearch: Sendable {
    /// What a line must hold.
    enum Match: Sendable, Equatable {
        /// The text anywhere in the line.
        case text(String)
        /// A line Ansible prints for a failure: `fatal: …`, `failed: …` or `ERROR! …`.
        case failures
    }

    /// A matching line: its 1-based number and its text without colour codes, cut short.
    struct Hit: Encodable, Sendable, Equatable {
        var line: Int
        var text: String
    }

    /// The most of a line's text a hit shows.
    static let shownBytes = 400
    static let failurePrefixes: [[UInt8]] = ["fatal: ", "failed: ", "ERROR! "].map { Array($0.utf8) }

    let match: Match
    private let needle: [UInt8]

    init(_ match: Match) {
        self.match = match
        if case .text(let text) = match { needle = text.utf8.map(Self.folded) } else { needle = [] }
    }

    /// Counts the chunk's matching lines into `total`, and appends those after line
    /// `after` (1-based) to `hits` while it holds fewer than `limit`.
    func scan(_ chunk: OutputChunk, after: Int, limit: Int, total: inout Int, hits: inout [Hit]) {
        var visible: [UInt8] = []
        var number = chunk.firstLine
        var text = chunk.text
        text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                number += 1
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                start = end + 1
                func count(_ shown: UnsafeBufferPointer<UInt8>) {
                    guard matches(shown) else { return }
                    total += 1
                    if number > after, hits.count < limit { hits.append(Hit(line: number, text: Self.cut(shown))) }
                }
                if line.contains(0x1B) {
                    visible.removeAll(keepingCapacity: true)
                    Self.appendVisible(line, to: &visible)
                    visible.withUnsafeBufferPointer(count)
                } else {
                    count(line)
                }
            }
        }
    }

    private func matches(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        switch match {
        case .failures:
            return Self.failurePrefixes.contains { prefix in line.count >= prefix.count && line.prefix(prefix.count).elementsEqual(prefix) }
        case .text:
            guard line.count >= needle.count else { return false }
            for offset in 0...(line.count - needle.count) {
                var index = 0
                while index < needle.count, Self.folded(line[offset + index]) == needle[index] { index += 1 }
                if index == needle.count { return true }
            }
            return false
        }
    }

    private static func folded(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    /// The line's bytes without ANSI escape sequences (as ``PlayhouseCore/ANSI/strip(_:)`` reads them).
    private static func appendVisible(_ line: UnsafeBufferPointer<UInt8>, to visible: inout [UInt8]) {
        var index = 0
        while index < line.count {
            guard line[index] == 0x1B else {
                visible.append(line[index])
                index += 1
                continue
            }
            index += 1
            guard index < line.count else { break }
            if line[index] == UInt8(ascii: "[") {
                index += 1
                while index < line.count, !(0x40...0x7E).contains(line[index]) { index += 1 }
            }
            index += 1
        }
    }

    private static func cut(_ line: UnsafeBufferPointer<UInt8>) -> String {
        guard line.count > shownBytes else { return String(decoding: line, as: UTF8.self) }
        var end = shownBytes
        while end > 0, line[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: line[..<end], as: UTF8.self) + "…"
    }
}
