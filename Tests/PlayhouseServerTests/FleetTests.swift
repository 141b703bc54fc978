import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Real PostgreSQL, one `playhouse serve --workers 0` and several `playhouse worker`
/// processes, all started by the test.
@Suite(.serialized) struct FleetTests {
    static let files = [
        "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n",
        "sleep.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.command: "sleep {{ seconds }}"
        """,
        "hosts.ini": TestPaths.localInventory(["a"]),
    ]

    /// The fleet around one test: a web process and `workers` worker processes named w1….
    struct Fleet {
        let url: String
        let port: Int
        let projects: String
        let scratch: String
        let web: PlayhouseProcess
        var workers: [String: PlayhouseProcess]

        func startWorker(_ name: String, capacity: Int = 1, drainTimeout: Double = 300, extra: [String] = []) throws -> PlayhouseProcess {
            try PlayhouseProcess(
                [
                    "worker", "--database", url, "--name", name, "--capacity", "\(capacity)", "--projects", projects,
                    "--runs-dir", scratch + "/runs-\(name)", "--worker-lost-after", "3", "--drain-timeout", "\(drainTimeout)",
                ] + extra,
                log: scratch + "/\(name).log")
        }

        /// Launches `playbook` with `fields` (`"forks":8,…`) beside the project's.
        func launch(_ playbook: String, seconds: Int = 0, fields: String = "") async throws -> Int {
            let more = fields.isEmpty ? "" : "," + fields
            let body = #"{"project":"p","playbook":"\#(playbook)","inventory":"hosts.ini","extra_vars":{"seconds":\#(seconds)}\#(more)}"#
            let response = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs", body: body)
            guard response.status == 202, let id = response.json["id"]?.intValue else {
                throw TestFailure("launch answered \(response.status): \(response.json.jsonString())")
            }
            return id
        }

        func job(_ id: Int) async throws -> JSONValue {
            try await RawHTTP.request(port: port, "GET", "/api/v1/jobs/\(id)").json
        }

        func waitFor(_ id: Int, timeout: Duration = .seconds(120), _ condition: (JSONValue) -> Bool) async throws -> JSONValue {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let job = try await job(id)
                if condition(job) { return job }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("job \(id) never got there: \(try await job(id).jsonString())")
        }

        func waitForEnd(_ id: Int, timeout: Duration = .seconds(120)) async throws -> JSONValue {
            try await waitFor(id, timeout: timeout) { JobStatus(rawValue: $0["status"]?.stringValue ?? "")?.isFinal == true }
        }

        func workerStates() async throws -> [String: String] {
            let list = try await RawHTTP.request(port: port, "GET", "/api/v1/workers").json
            guard case .array(let workers)? = list["workers"] else { return [:] }
            var states: [String: String] = [:]
            for worker in workers {
                if let name = worker["name"]?.stringValue { states[name] = worker["state"]?.stringValue }
            }
            return states
        }

        func stopAll() async {
            for worker in workers.values { await worker.stop(SIGKILL) }
            await web.stop()
        }
    }

    func withFleet(workers count: Int, capacity: Int = 1, _ body: (inout Fleet) async throws -> Void) async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        let scratch = try TestPaths.scratch("fleet")
        try await TestPostgres.with { url in
            let port = try Loopback.freePort()
            let web = try PlayhouseProcess.serve(
                port: port, database: url, projects: projects, runs: scratch + "/runs-web", log: scratch + "/web.log",
                extra: ["--workers", "0", "--worker-lost-after", "3"])
            var fleet = Fleet(url: url, port: port, projects: projects, scratch: scratch, web: web, workers: [:])
            do {
                try await web.waitUntilReady()
                for index in 1...max(count, 1) where count > 0 {
                    fleet.workers["w\(index)"] = try fleet.startWorker("w\(index)", capacity: capacity)
                }
                try await body(&fleet)
                await fleet.stopAll()
            } catch {
                await fleet.stopAll()
                throw error
            }
        }
    }

    @Test func aHundredJobsRunExactlyOnceOverThreeWorkers() async throws {
        try await withFleet(workers: 3, capacity: 2) { fleet in
            var ids: [Int] = []
            for _ in 0..<100 { ids.append(try await fleet.launch("hello.yml")) }
            var ranBy: [String: Int] = [:]
            for id in ids {
                let job = try await fleet.waitForEnd(id, timeout: .seconds(300))
                #expect(job["status"] == .string("successful"), "job \(id): \(job.jsonString())")
                ranBy[job["worker"]?.stringValue ?? "nobody", default: 0] += 1
            }
            #expect(Set(ranBy.keys).isSubset(of: ["w1", "w2", "w3"]))
            #expect(ranBy.count >= 2, "the work is shared: \(ranBy)")
            let url = fleet.url
            try await Store.withPostgres(url: url, logger: Logger(label: "check")) { store in
                for id in ids {
                    let starts = try await store.events.list(of: Int64(id), limit: 1000).filter { $0.type == .playbookStart }
                    #expect(starts.count == 1, "job \(id) ran exactly once")
                }
            }
            #expect(try await fleet.workerStates() == ["w1": "active", "w2": "active", "w3": "active"])
        }
    }

    @Test func aKilledWorkersJobEndsWorkerLostAndTheOthersGoOn() async throws {
        try await withFleet(workers: 2) { fleet in
            let long = try await fleet.launch("sleep.yml", seconds: 101)
            let running = try await fleet.waitFor(long) { $0["status"] == .string("running") }
            let victim = try #require(running["worker"]?.stringValue)
            #expect(await ProcessCheck.waitFor("sleep 101"))
            await fleet.workers[victim]?.crash()

            let quick = try await fleet.launch("hello.yml")
            let done = try await fleet.waitForEnd(quick)
            #expect(done["status"] == .string("successful"))
            #expect(done["worker"]?.stringValue != victim)

            let lost = try await fleet.waitForEnd(long, timeout: .seconds(30))
            #expect(lost["status"] == .string("error"))
            #expect(lost["error"]?.stringValue?.hasPrefix("worker lost") == true, "\(lost.jsonString())")
            #expect(try await fleet.workerStates()[victim] == "lost")

            // The worker comes back under its name: it clears what it left, and the job stays ended.
            fleet.workers[victim] = try fleet.startWorker(victim)
            let deadline = ContinuousClock.now + .seconds(30)
            while !ProcessCheck.processes(containing: "sleep 101").isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(ProcessCheck.processes(containing: "sleep 101").isEmpty, "the restarted worker ends its old run")
            try await Task.sleep(for: .seconds(2))
            #expect(try await fleet.job(long)["status"] == .string("error"), "nothing resurrects a lost job")
        }
    }

    @Test func aCancelFromTheWebReachesTheWorkersProcess() async throws {
        try await withFleet(workers: 1) { fleet in
            let id = try await fleet.launch("sleep.yml", seconds: 102)
            _ = try await fleet.waitFor(id) { $0["status"] == .string("running") }
            #expect(await ProcessCheck.waitFor("sleep 102"))
            let cancel = try await RawHTTP.request(port: fleet.port, "POST", "/api/v1/jobs/\(id)/cancel")
            #expect(cancel.status == 202)
            let job = try await fleet.waitForEnd(id, timeout: .seconds(30))
            #expect(job["status"] == .string("canceled"))
            #expect(ProcessCheck.processes(containing: "sleep 102").isEmpty)
            #expect(ProcessCheck.processes(containing: fleet.projects + "/p/sleep.yml").isEmpty)
        }
    }

    @Test func sigtermDrainsRunningJobsThenStopsWhatIsLeft() async throws {
        try await withFleet(workers: 0) { fleet in
            let patient = try fleet.startWorker("patient", drainTimeout: 60)
            fleet.workers["patient"] = patient
            let short = try await fleet.launch("sleep.yml", seconds: 3)
            _ = try await fleet.waitFor(short) { $0["status"] == .string("running") }
            await patient.stop(SIGTERM, grace: .seconds(60))
            #expect(patient.process.terminationStatus == 0)
            #expect(try await fleet.job(short)["status"] == .string("successful"), "a draining worker finishes its job")
            #expect(try await fleet.workerStates()["patient"] == "stopped")

            let hasty = try fleet.startWorker("hasty", drainTimeout: 1)
            fleet.workers["hasty"] = hasty
            let long = try await fleet.launch("sleep.yml", seconds: 103)
            _ = try await fleet.waitFor(long) { $0["status"] == .string("running") }
            #expect(await ProcessCheck.waitFor("sleep 103"))
            await hasty.stop(SIGTERM, grace: .seconds(30))
            #expect(hasty.process.terminationStatus == 0)
            let stopped = try await fleet.job(long)
            #expect(stopped["status"] == .string("error"))
            #expect(stopped["error"] == .string("interrupted: worker stopped"))
            #expect(ProcessCheck.processes(containing: "sleep 103").isEmpty)
        }
    }

    @Test func queuedJobsSurviveARestartOfEverything() async throws {
        try await withFleet(workers: 0) { fleet in
            let id = try await fleet.launch("hello.yml")
            await fleet.web.stop()
            let web = try PlayhouseProcess.serve(
                port: fleet.port, database: fleet.url, projects: fleet.projects, runs: fleet.scratch + "/runs-web",
                log: fleet.scratch + "/web.log", extra: ["--workers", "0"])
            fleet = Fleet(url: fleet.url, port: fleet.port, projects: fleet.projects, scratch: fleet.scratch, web: web, workers: [:])
            try await web.waitUntilReady()
            #expect(try await fleet.job(id)["status"] == .string("queued"))
            fleet.workers["w1"] = try fleet.startWorker("w1")
            let job = try await fleet.waitForEnd(id)
            #expect(job["status"] == .string("successful"))
            #expect(job["worker"] == .string("w1"))
        }
    }

    @Test func aWorkerServesTheDispatchesAndRunsItCountedOnItsOwnMetricsAddress() async throws {
        try await withFleet(workers: 0) { fleet in
            let metricsPort = try Loopback.freePort()
            fleet.workers["w1"] = try fleet.startWorker("w1", extra: ["--metrics-listen", "127.0.0.1:\(metricsPort)"])
            let ok = try await fleet.launch("hello.yml")
            let failed = try await fleet.launch("sleep.yml", seconds: -1)
            #expect(try await fleet.waitForEnd(ok)["status"] == .string("successful"))
            #expect(try await fleet.waitForEnd(failed)["status"] == .string("failed"))
            let text = try await RawHTTP.send(port: metricsPort, "GET", "/metrics", signedIn: false).body
            func value(_ series: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            #expect(value("playhouse_dispatch_duration_seconds_count") == 2, "both claims were this worker's: \(text)")
            #expect(value(#"playhouse_run_duration_seconds_count{status="successful"}"#) == 1)
            #expect(value(#"playhouse_run_duration_seconds_count{status="failed"}"#) == 1)
            #expect(value(#"playhouse_worker_capacity{worker="w1"}"#) == 1)
            let web = try await RawHTTP.send(port: fleet.port, "GET", "/metrics").body
            #expect(!web.contains("playhouse_dispatch_duration_seconds_count"), "the web process ran nothing, so it counted nothing")

            let refused = try PlayhouseProcess.command(["worker", "--database", fleet.url, "--metrics-listen", "9464"])
            #expect(refused.status != 0 && refused.output.contains("--metrics-listen must be HOST:PORT"), "\(refused.output)")
        }
    }

    @Test func eventsWrittenByAWorkerStreamLiveFromTheWebProcess() async throws {
        try await withFleet(workers: 1) { fleet in
            let id = try await fleet.launch("sleep.yml", seconds: 2)
            let live = try await RawHTTP.send(port: fleet.port, "GET", "/api/v1/jobs/\(id)/stream").body
            let messages = SSEMessage.parse(live)
            let ids = messages.filter { $0.event != "end" }.compactMap(\.id)
            #expect(!ids.isEmpty)
            #expect(ids == Array(1...ids.count), "every event once, in order, from another process")
            #expect(messages.last?.event == "end")
            #expect(JSONValue.parse(messages.last?.data ?? "")?["status"] == .string("successful"))

            let resumed = try await RawHTTP.send(
                port: fleet.port, "GET", "/api/v1/jobs/\(id)/stream", headers: ["Last-Event-ID": "3"]
            ).body
            #expect(SSEMessage.parse(resumed).filter { $0.event != "end" }.compactMap(\.id) == Array(4...ids.count))
        }
    }
}
