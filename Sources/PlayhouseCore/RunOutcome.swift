import Foundation

/// How the `ansible-playbook` process ended.
public enum ProcessEnd: Sendable, Equatable {
    case exited(Int)
    case signaled(Int)
}

/// Why Playhouse stopped a run before it ended on its own.
public enum StopReason: Sendable, Equatable {
    case canceled
    case timedOut(seconds: Double)
    /// The process running the job is stopping; the message says which ("interrupted:
    /// server stopped").
    case shutdown(String)
    /// The job was ended elsewhere while this process still ran it (its lease expired).
    case lost
}

/// The final status of a run and the message that explains it.
public struct RunOutcome: Sendable, Equatable {
    public var status: JobStatus
    public var error: String?

    public init(status: JobStatus, error: String? = nil) {
        self.status = status
        self.error = error
    }

    /// Decides the final status from everything known about the run.
    ///
    /// The exit code alone is ambiguous (a YAML syntax error exits 4 like an unreachable
    /// host; a missing inventory can exit 0), so the recap event decides whether Ansible
    /// really ran the playbook, and the exit code only says more when there is no recap.
    public static func decide(
        end: ProcessEnd, summary: JobSummary, stopReason: StopReason?, errorLine: String?
    ) -> RunOutcome {
        if let stopReason { return stopped(stopReason) }
        if summary.sawRecap {
            if summary.anyHostFailed { return RunOutcome(status: .failed) }
            if end == .exited(0) { return RunOutcome(status: .successful) }
        }
        switch end {
        case .signaled(let signal):
            return RunOutcome(status: .error, error: errorLine ?? "ansible-playbook was killed by signal \(signal)")
        case .exited(let code):
            if let errorLine { return RunOutcome(status: .error, error: errorLine) }
            if summary.sawRecap {
                return RunOutcome(status: .error, error: "ansible-playbook exited with code \(code) after its recap")
            }
            return RunOutcome(
                status: .error,
                error: code == 0
                    ? "ansible-playbook ended without running the playbook"
                    : "ansible-playbook exited with code \(code) before running the playbook")
        }
    }

    /// How a run that Playhouse stopped ends, whatever its process did (or before it
    /// started): `canceled` for a cancel, `error` saying why for the other reasons.
    public static func stopped(_ reason: StopReason) -> RunOutcome {
        switch reason {
        case .canceled: RunOutcome(status: .canceled)
        case .timedOut(let seconds): RunOutcome(status: .error, error: "timed out after \(Self.format(seconds: seconds))")
        case .shutdown(let message): RunOutcome(status: .error, error: message)
        case .lost: RunOutcome(status: .error, error: "worker lost")
        }
    }

    /// "90s", "1.5s", "2m" style durations for messages.
    public static func format(seconds: Double) -> String {
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 {
            return "\(Int(seconds / 60))m"
        }
        if seconds.rounded() == seconds { return "\(Int(seconds))s" }
        return "\(seconds)s"
    }
}

/// Picks the line of Ansible's output that says what went wrong.
public enum AnsibleErrorLine {
    /// The first `ERROR!` / `[ERROR]:` line of the output, without colours, with the
    /// lines that continue it when it ends in a colon.
    public static func first(in output: String) -> String? {
        let lines = ANSI.strip(output).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let message = Self.message(of: trimmed) else { continue }
            var text = message
            var next = index + 1
            while text.hasSuffix(":"), next < lines.count {
                let continuation = lines[next].trimmingCharacters(in: .whitespaces)
                next += 1
                if continuation.isEmpty { continue }
                text += " " + continuation
                break
            }
            return text
        }
        return nil
    }

    /// The first error line, completed with the cause Ansible gave in its warnings when
    /// the error alone says nothing useful (no inventory parsed: which source, and why).
    public static func explain(_ output: String) -> String? {
        guard let error = first(in: output) else { return nil }
        guard error.hasPrefix("No inventory was parsed") else { return error }
        let lines = ANSI.strip(output).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var causes: [String] = []
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("[WARNING]: Failed to parse inventory with 'script' plugin:") {
                causes.append(
                    String(line.dropFirst("[WARNING]: Failed to parse inventory with 'script' plugin:".count))
                        .trimmingCharacters(in: .whitespaces))
            } else if line.hasPrefix("Standard error from inventory script:"), index + 1 < lines.count {
                causes.append("its stderr: " + lines[index + 1])
            } else if line.hasPrefix("[WARNING]: Unable to parse"), causes.isEmpty {
                causes.append(String(line.dropFirst("[WARNING]: ".count)))
            }
            if causes.count >= 2 { break }
        }
        return causes.isEmpty ? error : error + " (" + causes.joined(separator: "; ") + ")"
    }

    private static func message(of line: String) -> String? {
        for prefix in ["[ERROR]:", "ERROR!"] where line.hasPrefix(prefix) {
            let message = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            return message.isEmpty ? nil : message
        }
        return nil
    }
}
