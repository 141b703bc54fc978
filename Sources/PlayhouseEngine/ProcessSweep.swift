import Foundation

/// Finds and signals every process of one run, wherever it went.
///
/// Ansible's forked workers start their own sessions and `ssh` ControlPersist masters
/// daemonize, so the process group does not reach them all. Every process of a run
/// inherits the marker variable in its environment, so the marker finds them; an `ssh`
/// master overwrites its environment when it renames itself, but its new name holds its
/// control socket, which lives in the run's private directory.
struct ProcessSweep: Sendable {
    static let variable = "PLAYHOUSE_RUN_MARKER"
    static let jobVariable = "PLAYHOUSE_JOB"
    let marker: String
    /// The run's private directory.
    let directory: String

    init(directory: String) {
        marker = UUID().uuidString
        self.directory = directory
    }

    /// Live processes of the run.
    func processes() -> [pid_t] {
        Self.processes(environment: "\(Self.variable)=\(marker)", commandLine: directory + "/")
    }

    /// Live processes whose environment holds the entry `entry` (NAME=value) or
    /// whose command line contains `commandLine`.
    static func processes(environment entry: String?, commandLine: String?) -> [pid_t] {
        let environment = entry.map { Data(($0 + "\0").utf8) }
        let path = commandLine.map { Data($0.utf8) }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var found: [pid_t] = []
        for entry in entries {
            guard let pid = pid_t(entry), pid != getpid() else { continue }
            if let environment, let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                environ.range(of: environment) != nil
            {
                found.append(pid)
            } else if let path, let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                command.range(of: path) != nil
            {
                found.append(pid)
            }
        }
        return found
    }

    /// Sends `signal` to every process of the run; returns how many there were.
    @discardableResult
    func signal(_ signal: Int32) -> Int {
        let pids = processes()
        for pid in pids { kill(pid, signal) }
        return pids.count
    }

    /// SIGTERM to what is left of the run, then SIGKILL after `grace`.
    func terminateAll(grace: Duration) async {
        await Self.terminate(grace: grace, processes)
    }

    /// SIGTERM to the processes `find` returns, then SIGKILL to those left after `grace`.
    static func terminate(grace: Duration, _ find: () -> [pid_t]) async {
        let pids = find()
        guard !pids.isEmpty else { return }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            if find().isEmpty { return }
        }
        for pid in find() { kill(pid, SIGKILL) }
    }

    /// Waits until no process of the run is left, `limit` passed or the task is
    /// cancelled; true when none is left.
    func waitUntilGone(limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if processes().isEmpty { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return processes().isEmpty
    }
}
