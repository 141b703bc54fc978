import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// The real `playhouse serve` binary, killed and started again over the same database.
@Suite struct RestartTests {
    /// `playhouse` is built next to the test bundle.
    static var binary: String {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().path + "/playhouse"
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func status(_ port: Int, _ id: Int) async throws -> JSONValue {
        try await RawHTTP.request(port: port, "GET", "/api/v1/jobs/\(id)").json
    }

    @Test func aCrashEndsTheRunningJobAtTheNextStartAndQueuedJobsStillRun() async throws {
        let scratch = try TestPaths.scratch("restart")
        let projects = try TestPaths.makeProject("p", files: [
            "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 91\n",
            "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n",
            "hosts.ini": TestPaths.localInventory(["a"]),
        ])
        let database = scratch + "/playhouse.sqlite"
        let runs = scratch + "/runs"
        let port = Self.freePort()
        let first = try ServeProcess(port: port, database: database, projects: projects, runs: runs, log: scratch + "/serve.log")
        try await first.waitUntilHealthy()
        let long = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs", body: #"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
        let queued = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs", body: #"{"project":"p","playbook":"hello.yml","inventory":"hosts.ini"}"#)
        #expect(long.status == 202)
        let longID = try #require(long.json["id"]?.intValue)
        let queuedID = try #require(queued.json["id"]?.intValue)
        #expect(await ProcessCheck.waitFor("sleep 91"))
        #expect(try await status(port, queuedID)["status"] == .string("queued"))

        await first.crash()
        #expect(!ProcessCheck.processes(containing: "sleep 91").isEmpty, "a crash leaves the run behind")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: runs)
        #expect(leftovers.count == 1)

        let second = try ServeProcess(port: port, database: database, projects: projects, runs: runs, log: scratch + "/serve.log")
        try await second.waitUntilHealthy()
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
        let projects = try TestPaths.makeProject("p", files: [
            "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 92\n",
            "hosts.ini": TestPaths.localInventory(["a"]),
        ])
        let database = scratch + "/playhouse.sqlite"
        let port = Self.freePort()
        let server = try ServeProcess(port: port, database: database, projects: projects, runs: scratch + "/runs", log: scratch + "/serve.log")
        try await server.waitUntilHealthy()
        let job = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs", body: #"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
        let id = try #require(job.json["id"]?.intValue)
        #expect(await ProcessCheck.waitFor("sleep 92"))
        await server.stop()
        #expect(server.process.terminationStatus == 0, "SIGTERM is a clean shutdown")
        #expect(ProcessCheck.processes(containing: "sleep 92").isEmpty)
        let log = try String(contentsOfFile: scratch + "/serve.log", encoding: .utf8)
        #expect(log.contains("error=interrupted: server stopped job=\(id) status=error"))
        let again = try ServeProcess(port: port, database: database, projects: projects, runs: scratch + "/runs", log: scratch + "/serve.log")
        try await again.waitUntilHealthy()
        let ended = try await status(port, id)
        await again.stop()
        let restartLog = try String(contentsOfFile: scratch + "/serve.log", encoding: .utf8)
        #expect(!restartLog.contains("ended jobs left running"), "the stopping server recorded the end itself")
        #expect(ended["status"] == .string("error"))
        #expect(ended["error"] == .string("interrupted: server stopped"))
    }
}

/// `playhouse serve` as a child process of the test.
final class ServeProcess {
    let process = Process()
    let port: Int

    init(port: Int, database: String, projects: String, runs: String, log: String) throws {
        self.port = port
        process.executableURL = URL(fileURLWithPath: RestartTests.binary)
        process.arguments = [
            "serve", "--port", "\(port)", "--database", database, "--projects", projects,
            "--runs-dir", runs, "--workers", "1", "--ansible-bin", TestPaths.ansibleBin,
        ]
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func waitUntilHealthy() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let health = try? await RawHTTP.request(port: port, "GET", "/api/v1/health"), health.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("playhouse serve did not answer on port \(port)")
    }

    func crash() async {
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    func stop() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(15)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { await crash() }
    }
}
