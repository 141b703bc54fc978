import Foundation

/// Finds and signals every process of one run, wherever it went.
///
/// Ansible's forked workers start their own sessions and `ssh` ControlPersist masters
/// daemonize, so the process group does not reach them all. Every process of a run
/// inherits the marker variable in its environment, so the marker finds them.
struct ProcessSweep: Sendable {
    static let variable = "PLAYHOUSE_RUN_MARKER"
    let marker: String

    init() {
        marker = UUID().uuidString
    }

    /// Live processes carrying the marker.
    func processes() -> [pid_t] {
        let needle = Array("\(Self.variable)=\(marker)\0".utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var found: [pid_t] = []
        for entry in entries {
            guard let pid = pid_t(entry), pid != getpid() else { continue }
            guard let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                  !environ.isEmpty else { continue }
            if environ.range(of: Data(needle)) != nil {
                found.append(pid)
            }
        }
        return found
    }

    /// Sends `signal` to every marked process; returns how many there were.
    @discardableResult
    func signal(_ signal: Int32) -> Int {
        let pids = processes()
        for pid in pids { kill(pid, signal) }
        return pids.count
    }

    /// SIGTERM to what is left, then SIGKILL after `grace`.
    func terminateAll(grace: Duration) async {
        guard signal(SIGTERM) > 0 else { return }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
            if processes().isEmpty { return }
        }
        signal(SIGKILL)
    }

    /// Waits until no marked process is left or `limit` passed; true when none is left.
    func waitUntilGone(limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if processes().isEmpty { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return processes().isEmpty
    }
}
