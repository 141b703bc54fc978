import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// The real `playhouse serve` binary, killed and started again over the same database.
@Suite struct RestartTests {
    func status(_ port: Int, _ id: Int) async throws -> JSONValue {
        try await RawHTTP.request(port: port, "GET", "/api/v1/jobs/\(id)").json
    }

    @Test func aCrashEndsTheRunningJobAtTheNextStartAndQueuedJobsStillRun() async throws {
        let scratch = try TestPaths.scratch("restart")
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 91\n",
                "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n",
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        let database = scratch + "/playhouse.sqlite"
        let runs = scratch + "/runs"
        let port = try Loopback.freePort()
        let first = try PlayhouseProcess.serve(port: port, database: database, projects: projects, runs: runs, log: scratch + "/serve.log")
        try await first.waitUntilReady()
        let long = try await RawHTTP.request(
            port: port, "POST", "/api/v1/jobs", body: #"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
        let queued = try await RawHTTP.request(
            port: port, "POST", "/api/v1/jobs", body: #"{"project":"p","playbook":"hello.yml","inventory":"hosts.ini"}"#)
        #expect(long.status == 202)
        let longID = try #require(long.json["id"]?.intValue)
        let queuedID = try #require(queued.json["id"]?.intValue)
        #expect(await ProcessCheck.waitFor("sleep 91"))
        #expect(try await status(port, queuedID)["status"] == .string("queued"))

        await first.crash()
        #expect(!ProcessCheck.processes(containing: "sleep 91").isEmpty, "a crash leaves the run behind")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: runs)
        #expect(leftovers.count == 1)

        let second = try PlayhouseProcess.serve(port: port, database: database, projects: projects, runs: runs, log: scratch + "/serve.log")
        try await second.waitUntilReady()
        let interrupted = try await status(port, longID)
        #expect(interrupted["status"] == .string("error"))
        #expect(interrupted["error"] == .string("interrupted: server stopped"))
        #expect(ProcessCheck.processes(containing: "sleep 91").isEmpty, "the next start ends what the crash left")
        #expect(ProcessCheck.processes(containing: projects + "/p/sleep.yml").isEmpty)
        let remaining = Set(try FileManager.default.contentsOfDirectory(atPath: runs))
        #expect(remaining.isDisjoint(with: leftovers), "the crashed run's directory is removed")

        let deadline = ContinuousClock.now + .seconds(60)
        var final = JSONValue.null
        while ContinuousClock.now < deadline {
            final = try await status(port, queuedID)
            if final["status"] == .string("successful") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(final["status"] == .string("successful"), "the queued job survived the crash and ran")
        await second.stop()
        #expect(second.process.terminationStatus == 0)
    }

    @Test func aGracefulStopEndsRunningJobsAndLeavesNothing() async throws {
        let scratch = try TestPaths.scratch("stop")
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 92\n",
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        let database = scratch + "/playhouse.sqlite"
        let port = try Loopback.freePort()
        let server = try PlayhouseProcess.serve(
            port: port, database: database, projects: projects, runs: scratch + "/runs", log: scratch + "/serve.log")
        try await server.waitUntilReady()
        let job = try await RawHTTP.request(
            port: port, "POST", "/api/v1/jobs", body: #"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
        let id = try #require(job.json["id"]?.intValue)
        #expect(await ProcessCheck.waitFor("sleep 92"))
        await server.stop()
        #expect(server.process.terminationStatus == 0, "SIGTERM is a clean shutdown")
        #expect(ProcessCheck.processes(containing: "sleep 92").isEmpty)
        let log = try String(contentsOfFile: scratch + "/serve.log", encoding: .utf8)
        #expect(log.contains("error=interrupted: server stopped job=\(id) status=error"))
        let again = try PlayhouseProcess.serve(
            port: port, database: database, projects: projects, runs: scratch + "/runs", log: scratch + "/serve.log")
        try await again.waitUntilReady()
        let ended = try await status(port, id)
        await again.stop()
        let restartLog = try String(contentsOfFile: scratch + "/serve.log", encoding: .utf8)
        #expect(!restartLog.contains("ended jobs left running"), "the stopping server recorded the end itself")
        #expect(ended["status"] == .string("error"))
        #expect(ended["error"] == .string("interrupted: server stopped"))
    }
}
