import Foundation

/// Looks at the machine's processes, to prove a run left nothing behind.
public enum ProcessCheck {
    /// Processes whose command line contains `needle` (excluding this test process).
    public static func processes(containing needle: String) -> [(pid: Int32, command: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var found: [(Int32, String)] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty else { continue }
            let command = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
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
}
