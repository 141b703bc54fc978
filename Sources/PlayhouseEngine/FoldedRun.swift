import Foundation
import PlayhouseCore
import Synchronization

/// What a run has reported so far, shared by its readers: the next event number, the
/// summary folded from the events, and the lines where Ansible reported an error.
final class FoldedRun: Sendable {
    private struct State {
        var lastSeq = 0
        var summary = JobSummary()
        var errorLines: [String] = []
        var head = ""

        var malformedLines = 0
        var outputBytes = 0
        var outputCutMarked = false
    }

    /// Enough lines after the first error line to find what it continues with.
    private static let errorContext = 6
    private static let headBytes = 64 * 1024
    private let state = Mutex(State())
    /// The run's secrets, hidden in every event before it is numbered.
    private let mask: SecretMask
    private let limits: RunLimits

    init(mask: SecretMask, limits: RunLimits) {
        self.mask = mask
        self.limits = limits
    }

    /// Decodes one line of the event pipe, masks its secrets, gives it the next number and
    /// folds it in. Past the run's event limit an event is only counted, except the
    /// recap, which is always kept.
    func number(_ line: Substring) -> JobEvent? {
        guard !line.isEmpty else { return nil }
        guard var event = JobEvent(callbackLine: line.utf8)?.masked(by: mask) else {
            state.withLock { $0.malformedLines += 1 }
            return nil
        }
        return state.withLock { state in
            event.seq = state.lastSeq + 1
            state.summary.apply(event)
            guard state.lastSeq < limits.maxEvents || event.type == .stats else {
                state.summary.droppedEvents = (state.summary.droppedEvents ?? 0) + 1
                return nil
            }
            state.lastSeq += 1
            return event
        }
    }

    /// Output as it may be kept under the run's limit: the text, or once the limit is
    /// passed one marker line, then nothing (the dropped bytes are counted).
    func admit(output text: String) -> String? {
        state.withLock { state in
            let size = text.utf8.count
            // Once cut, always cut: a later, smaller piece that would still fit must not
            // follow the marker.
            if !state.outputCutMarked, state.outputBytes + size <= limits.maxOutputBytes {
                state.outputBytes += size
                return text
            }
            state.summary.droppedOutputBytes = (state.summary.droppedOutputBytes ?? 0) + size
            guard !state.outputCutMarked else { return nil }
            state.outputCutMarked = true
            return "\n[Playhouse: this job's output passed \(limits.maxOutputBytes / 1024 / 1024) MB; what follows is dropped]\n"
        }
    }

    /// Keeps the start of the output (where inventory problems are told), and the first
    /// error line with the lines that follow it.
    func record(output text: String) {
        state.withLock { state in
            if state.head.utf8.count < Self.headBytes { state.head += text }
            guard state.errorLines.count < Self.errorContext else { return }
            // Most output holds no error: one scan of its bytes, not a search line by line.
            if state.errorLines.isEmpty, !Self.mentionsError(text) { return }
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if state.errorLines.isEmpty {
                    guard Self.mentionsError(line) else { continue }
                    let plain = ANSI.strip(String(line)).trimmingCharacters(in: .whitespaces)
                    if plain.hasPrefix("[ERROR]:") || plain.hasPrefix("ERROR!") { state.errorLines.append(plain) }
                } else if state.errorLines.count < Self.errorContext {
                    state.errorLines.append(ANSI.strip(String(line)))
                }
            }
        }
    }

    /// Whether `text` holds `ERROR`, by one plain pass over its bytes: every piece of output
    /// is scanned, and the standard library's generic `firstRange(of:)` cost a twentieth of
    /// the server's time per event.
    static func mentionsError(_ text: some StringProtocol) -> Bool {
        let found = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard bytes.count >= 5 else { return false }
            for start in 0...(bytes.count - 5) where bytes[start] == UInt8(ascii: "E") {
                if bytes[start + 1] == UInt8(ascii: "R"), bytes[start + 2] == UInt8(ascii: "R"), bytes[start + 3] == UInt8(ascii: "O"),
                    bytes[start + 4] == UInt8(ascii: "R")
                {
                    return true
                }
            }
            return false
        }
        return found ?? (text.utf8.firstRange(of: "ERROR".utf8) != nil)
    }

    var summary: JobSummary { state.withLock { $0.summary } }
    /// What Ansible said went wrong, if it said so.
    var errorMessage: String? {
        state.withLock { state in
            AnsibleErrorLine.explain(state.head) ?? AnsibleErrorLine.first(in: state.errorLines.joined(separator: "\n"))
        }
    }
}
