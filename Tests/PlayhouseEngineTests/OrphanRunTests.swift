import Foundation
import PlayhouseEngine
import PlayhouseTestSupport
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A run whose worker died before Ansible opened the event pipe (nobody reads it) ends at
/// once, instead of waiting forever for a reader that will never come.
@Suite struct OrphanRunTests {
    @Test func aRunWhoseEventPipeNobodyReadsEndsAtOnce() async throws {
        let scratch = try TestPaths.scratch("orphan")
        let fifo = scratch + "/events.fifo"
        guard mkfifo(fifo, 0o600) == 0 else { throw RunnerTestError("mkfifo failed: \(errno)") }
        try "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n"
            .write(toFile: scratch + "/play.yml", atomically: true, encoding: .utf8)
        let ansible = AnsibleInstallation(binDirectory: TestPaths.ansibleBin)
        let run = Task {
            try await Subprocess.run(
                .path(FilePath(ansible.playbookExecutable)),
                arguments: ["-i", "localhost,", "-c", "local", "play.yml"],
                environment: .inherit.updating([
                    "PLAYHOUSE_EVENTS_PATH": fifo, "ANSIBLE_CALLBACK_PLUGINS": ansible.callbackPluginDirectory,
                    "ANSIBLE_CALLBACKS_ENABLED": "playhouse",
                ]),
                workingDirectory: FilePath(scratch), output: .discarded, error: .string(limit: 1 << 16))
        }
        // Without the fix the run waits in open(2) for good; the test gives up long before.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(120))
            run.cancel()
        }
        defer { watchdog.cancel() }
        let result = try await run.value
        #expect(result.terminationStatus == .exited(3))
        #expect(result.standardError.contains("Playhouse is no longer reading this run's events"))
    }
}
