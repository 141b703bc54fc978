import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseTestSupport
import Testing

/// What a start clears in a runs directory that other processes may share: the runs of
/// processes that are gone, never the runs of a live one.
@Suite struct CrashCleanUpTests {
    @Test func aStartEndsTheRunsOfGoneProcessesAndLeavesLiveRunsAlone() async throws {
        let fixture = try RunnerFixture(files: [
            "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 65\n"
        ])
        let runs = fixture.runner.runsDirectory

        // A live run: its process (this one) holds its directory's lock.
        let control = RunControl()
        let live = Task { try await fixture.run(fixture.request("sleep.yml"), control: control) }
        #expect(await ProcessCheck.waitFor("sleep 65"))

        // What a process that died left: a run directory nobody holds, naming its job, and
        // a process of that job.
        let left = runs + "/run-left-by-a-crash"
        try FileManager.default.createDirectory(atPath: left, withIntermediateDirectories: false)
        let tag = "crashed-\(UUID().uuidString)/1"
        try tag.write(toFile: left + "/job-tag", atomically: true, encoding: .utf8)
        let orphan = Process()
        orphan.executableURL = URL(fileURLWithPath: "/bin/sleep")
        orphan.arguments = ["66"]
        orphan.environment = ["PLAYHOUSE_JOB": tag]
        try orphan.run()

        await fixture.runner.cleanUpAfterCrash(jobTags: [])
        #expect(!FileManager.default.fileExists(atPath: left), "the dead process's run directory is removed")
        let deadline = ContinuousClock.now + .seconds(10)
        while orphan.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!orphan.isRunning, "the dead process's run is ended")
        #expect(!ProcessCheck.processes(containing: "sleep 65").isEmpty, "the live run goes on")
        let remaining = try FileManager.default.contentsOfDirectory(atPath: runs)
        #expect(remaining.count == 1 && remaining.allSatisfy { $0.hasPrefix("run-") }, "the live run keeps its directory: \(remaining)")

        control.stop(.canceled)
        let (result, _) = try await live.value
        #expect(result.outcome == RunOutcome(status: .canceled))
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs).isEmpty)
    }
}
