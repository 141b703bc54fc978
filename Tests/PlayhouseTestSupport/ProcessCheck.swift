import Foundation

/// Looks at the machine's processes, to prove a run left nothing behind.
public enum ProcessCheck {
    /// Processes whose command line contains `needle` (excluding this test process).
    public static func processes(containing needle: String) -> [(pid: Int32, command: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var found: [(Int32, String)] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(), let command = commandLine(pid) else { continue }
            if command.contains(needle) { found.append((pid, command)) }
        }
        return found
    }

    /// Waits until a process whose command line contains `needle` runs; false after `timeout`.
    public static func waitFor(_ needle: String, timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !processes(containing: needle).isEmpty { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Every process (but this test process) whose argv or environment holds one of
    /// `secrets`, as "pid: argv|environ: command" lines. Reading other users' environments
    /// needs root.
    public static func processesExposing(_ secrets: [String]) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var found: [String] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid() else { continue }
            for part in ["cmdline", "environ"] {
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/\(part)") else { continue }
                let text = String(decoding: data, as: UTF8.self)
                if secrets.contains(where: { text.contains($0) }) {
                    found.append("\(pid): \(part): \(commandLine(pid) ?? "?")")
                }
            }
        }
        return found
    }

    /// A process's command line with its arguments joined by spaces; nil once it is gone.
    public static func commandLine(_ pid: pid_t) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    /// True while `pid` exists and is not a zombie.
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let fields = fields(ofStat: stat)
        else { return false }
        return fields.state != "Z" && fields.state != "X"
    }

    /// Every process below `pid` in the process tree.
    public static func descendants(of pid: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let fields = fields(ofStat: stat)
            else { continue }
            children[fields.parent, default: []].append(child)
        }
        var found: [pid_t] = []
        var queue = children[pid] ?? []
        while let next = queue.popLast() {
            found.append(next)
            queue += children[next] ?? []
        }
        return found
    }

    /// State and parent from /proc/PID/stat (the name in parentheses may hold spaces).
    private static func fields(ofStat stat: String) -> (state: Character, parent: pid_t)? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: close)...].split(separator: " ")
        guard rest.count > 1, let state = rest[0].first, let parent = pid_t(rest[1]) else { return nil }
        return (state, parent)
    }
}
