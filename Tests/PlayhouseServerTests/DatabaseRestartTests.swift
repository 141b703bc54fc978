import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Synchronization
import Testing

/// PostgreSQL restarted (fast and immediate) and stopped for 20 s under a real fleet (one
/// `serve --workers 0`, two `playhouse worker` processes) with jobs running: no job is lost,
/// stuck or run twice, every event is stored once and in order, the next launch starts,
/// `/api/v1/health` says `degraded` while the database is away; and a `serve` started
/// while it is down comes up once it starts. The leases are 3 s, so a 20 s stop would end
/// every running job "worker lost" if time away counted against them.
///
/// Heavy: each test runs real jobs across a database outage (about a minute each).
@Suite(.serialized) struct DatabaseRestartTests {
    static let files = [
        "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n",
        // Two hosts, a loop item every few tenths of a second on each: events keep coming.
        "steady.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.command: "sleep 0.2"
              loop: "{{ range(items | int) | list }}"
            - ansible.builtin.debug: { msg: done }
        """,
        "hosts.ini": TestPaths.localInventory(["a", "b"]),
    ]

    /// The fleet around one test, and its database.
    struct Fleet {
        let server: TestPostgres.Server
        let port: Int
        let projects: String
        let scratch: String
        var web: PlayhouseProcess
        var workers: [PlayhouseProcess] = []

        func startWorker(_ name: String) throws -> PlayhouseProcess {
            try PlayhouseProcess(
                [
                    "worker", "--database", server.url, "--name", name, "--capacity", "2", "--projects", projects,
                    "--runs-dir", scratch + "/runs-\(name)", "--worker-lost-after", "3",
                ],
                log: scratch + "/\(name).log")
        }

        /// Launches `playbook`, trying again while the web process answers 503 (its
        /// database is away): the first launch it accepts, and when it did.
        func launch(_ playbook: String, items: Int = 0) async throws -> (id: Int64, accepted: ContinuousClock.Instant) {
            let body = #"{"project":"p","playbook":"\#(playbook)","inventory":"hosts.ini","extra_vars":{"items":\#(items)}}"#
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                let response = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs", body: body)
                if response.status == 202, let id = response.json["id"]?.intValue { return (Int64(id), .now) }
                guard response.status == 503, ContinuousClock.now < deadline else {
                    throw TestFailure("launch answered \(response.status): \(response.json.jsonString())")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        func status(_ id: Int64) async throws -> String? {
            try await RawHTTP.request(port: port, "GET", "/api/v1/jobs/\(id)").json["status"]?.stringValue
        }

        func waitFor(_ id: Int64, timeout: Duration = .seconds(180), _ condition: (String) -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                // While the web process reconnects it answers 503, with no status.
                if let status = try await status(id), condition(status) { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw TestFailure("job \(id) never got there: \(try await status(id) ?? "?")")
        }

        func stopAll() async {
            for worker in workers { await worker.stop(SIGKILL) }
            await web.stop()
        }
    }

    func withFleet(_ body: (inout Fleet) async throws -> Void) async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        let scratch = try TestPaths.scratch("dbrestart")
        // Durable: a server killed by an immediate restart keeps every commit it acknowledged.
        try await TestPostgres.withServer(durable: true) { server in
            let port = try Loopback.freePort()
            var fleet = Fleet(
                server: server, port: port, projects: projects, scratch: scratch,
                web: try PlayhouseProcess.serve(
                    port: port, database: server.url, projects: projects, runs: scratch + "/runs-web", log: scratch + "/web.log",
                    extra: ["--workers", "0", "--worker-lost-after", "3"]))
            do {
                try await fleet.web.waitUntilReady()
                fleet.workers = [try fleet.startWorker("w1"), try fleet.startWorker("w2")]
                try await body(&fleet)
                await fleet.stopAll()
            } catch {
                await fleet.stopAll()
                throw error
            }
        }
    }

    /// Polls `/api/v1/health` until cancelled, keeping each status it answered with.
    final class HealthWatch: Sendable {
        private let seen = Mutex<[String]>([])

        func watch(port: Int) async {
            while !Task.isCancelled {
                if let health = try? await RawHTTP.request(port: port, "GET", "/api/v1/health") {
                    let status = health.json["status"]?.stringValue ?? "?"
                    // The reason says for how many seconds; one entry per reason is enough.
                    let reason = health.json["reason"]?.stringValue?.replacing(/\(for \d+ s\)/, with: "(for N s)")
                    let entry = "\(health.status) \(status)" + (reason.map { ": \($0)" } ?? "")
                    seen.withLock { if $0.last != entry { $0.append(entry) } }
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }

        var answers: [String] { seen.withLock { $0 } }
    }

    /// Runs jobs across `outage` and checks what the issue asks; prints how long the first
    /// launch after the database came back took to start (seen by polling every 20 ms).
    func jobsSurvive(
        _ name: String, items: Int, expectDegraded: Bool, _ outage: (TestPostgres.Server) async throws -> Void
    ) async throws {
        try await withFleet { fleet in
            let running = [try await fleet.launch("steady.yml", items: items).id, try await fleet.launch("steady.yml", items: items).id]
            for id in running { try await fleet.waitFor(id) { $0 == "running" } }
            // A launch before the outage, for comparison: from accepted to seen started.
            let before = try await fleet.launch("hello.yml")
            try await fleet.waitFor(before.id) { $0 != "queued" }
            let usual = before.accepted.duration(to: .now)
            try await fleet.waitFor(before.id) { $0 == "successful" }

            // A live stream open across the outage: it stays open, and sends every event once.
            let port = fleet.port
            let watched = running[0]
            async let streamed = RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(watched)/stream")
            try await eventually("the stream is open before the outage") {
                try await RawHTTP.send(port: port, "GET", "/metrics").body.contains("playhouse_live_streams 1")
            }
            let health = HealthWatch()
            let (after, back, started) = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await health.watch(port: port) }
                defer { group.cancelAll() }
                try await outage(fleet.server)
                let back = ContinuousClock.now
                let after = try await fleet.launch("hello.yml")
                try await fleet.waitFor(after.id, timeout: .seconds(60)) { $0 != "queued" }
                let started = ContinuousClock.now
                try await fleet.waitFor(after.id) { JobStatus(rawValue: $0)?.isFinal == true }
                return (after, back, started)
            }
            for id in running { try await fleet.waitFor(id) { JobStatus(rawValue: $0)?.isFinal == true } }
            let stream = try await streamed
            let messages = SSEMessage.parse(stream.body)
            let streamedIDs = messages.filter { $0.event != "end" }.compactMap(\.id)
            #expect(streamedIDs == Array(1...max(streamedIDs.count, 1)), "the stream sent every event once, in order")
            #expect(messages.last?.event == "end", "\(stream.status): \(stream.body.suffix(400))")

            try await Store.withPostgres(url: fleet.server.url, logger: Logger(label: "check")) { store in
                for id in running {
                    let job = try #require(try await store.jobs.find(id))
                    #expect(job.status == .successful, "job \(id) ran through the outage: \(job.error ?? "")")
                    let events = try await store.events.list(of: id, limit: 10_000)
                    #expect(events.map(\.seq) == Array(1...events.count), "job \(id): every event once, in order")
                    #expect(events.filter { $0.type == .playbookStart }.count == 1, "job \(id) ran once")
                    #expect(events.filter { $0.type == .itemOK }.count == items * 2, "job \(id): every loop item of both hosts")
                    #expect(events.last?.type == .stats)
                    if id == watched { #expect(streamedIDs.count == events.count, "the stream caught up on what was stored meanwhile") }
                    let log = try await store.output.chunks(of: id, from: 0, limit: 10_000).map(\.text).joined()
                    let itemLines = log.split(separator: "\n").filter { $0.contains("=> (item=") }
                    #expect(itemLines.count == items * 2 && Set(itemLines).count == items * 2, "job \(id): every log line once")
                }
                let first = try #require(try await store.jobs.find(after.id))
                #expect(first.status == .successful)
                print(
                    """
                    \(name): the database was back \(back.duration(to: started)) before the next job was seen started \
                    (the web process took the launch \(back.duration(to: after.accepted)) after, a worker started it \
                    \(after.accepted.duration(to: started)) after that; before the outage: \(usual)); health answered \(health.answers)
                    """)
            }
            if expectDegraded {
                #expect(health.answers.contains { $0.hasPrefix("503 degraded: the database cannot be reached") }, "\(health.answers)")
                let logs = fleet.workers.map(\.logText).joined()
                #expect(logs.contains("stored the events and output the job kept while the database was away"), "jobs ran through it")
            }
            #expect(health.answers.last == "200 ok", "\(health.answers)")
            for worker in fleet.workers { #expect(worker.process.isRunning, "workers outlive the outage") }
            #expect(fleet.web.process.isRunning)
        }
    }

    @Test func jobsRunThroughAFastRestart() async throws {
        try await jobsSurvive("fast restart", items: 20, expectDegraded: false) { server in
            try await server.restart(mode: "fast")
        }
    }

    @Test func jobsRunThroughAnImmediateRestart() async throws {
        try await jobsSurvive("immediate restart", items: 20, expectDegraded: false) { server in
            try await server.restart(mode: "immediate")
        }
    }

    @Test func jobsRunThroughTwentySecondsWithoutTheDatabase() async throws {
        try await jobsSurvive("20 s stop", items: 60, expectDegraded: true) { server in
            try await server.stop()
            try await Task.sleep(for: .seconds(20))
            try await server.start()
        }
    }

    @Test func serveAndWorkerStartedWhileTheDatabaseIsDownComeUpWhenItStarts() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        let scratch = try TestPaths.scratch("dbdown")
        try await TestPostgres.withServer { server in
            try await server.stop()
            let port = try Loopback.freePort()
            var fleet = Fleet(
                server: server, port: port, projects: projects, scratch: scratch,
                web: try PlayhouseProcess.serve(
                    port: port, database: server.url, projects: projects, runs: scratch + "/runs-web", log: scratch + "/web.log",
                    extra: ["--workers", "0", "--worker-lost-after", "3"]))
            do {
                fleet.workers = [try fleet.startWorker("w1")]
                try await Task.sleep(for: .seconds(3))
                #expect(fleet.web.process.isRunning && fleet.workers[0].process.isRunning, "they wait instead of exiting")
                #expect(fleet.web.logText.contains("cannot reach PostgreSQL"), "\(fleet.web.logText)")
                #expect(fleet.workers[0].logText.contains("cannot reach PostgreSQL"), "\(fleet.workers[0].logText)")
                try await server.start()
                try await fleet.web.waitUntilReady()
                let job = try await fleet.launch("hello.yml")
                try await fleet.waitFor(job.id) { JobStatus(rawValue: $0)?.isFinal == true }
                #expect(try await fleet.status(job.id) == "successful")
                #expect(fleet.web.logText.contains("reached PostgreSQL at"), "\(fleet.web.logText)")
                await fleet.stopAll()
            } catch {
                await fleet.stopAll()
                throw error
            }
        }
    }
}
