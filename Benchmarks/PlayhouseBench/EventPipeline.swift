import Foundation
import PlayhouseCore
import PlayhouseTestSupport

/// Playhouse's event pipeline (event pipe → batches → store → wake-ups → SSE) with 50
/// stream clients attached: first fed by real `ansible-playbook` runs, then by a replay of
/// one of those runs at full speed, since one Ansible process is far slower than the
/// pipeline.
struct EventPipeline {
    let bench: BenchContext
    let clients: Int
    let jobs: Int
    /// How many times the replay repeats the recorded run's task events.
    let replayRepeat: Int
    /// Events per second, over all jobs, of the paced replay.
    let pacedRate: Int

    struct Outcome {
        var row: [String]
        /// Peak resident memory of `serve` during the run.
        var peakRSS: Int
    }

    /// Its rows of the Memory table; a carried-over report's rows are attributed by them.
    static let realRunsState = "serve during the real runs (peak)"
    static let replaysState = "serve during the replays (peak)"
    static let memoryStates: Set = [realRunsState, replaysState]

    func measure(into report: inout Report) async throws {
        var section = Report.Section(
            .events,
            method: "\(jobs) jobs at once on `serve --workers \(jobs)` (SQLite), \(clients) SSE clients spread over them, "
                + "each reading `GET /api/v1/jobs/{id}/stream` from its own thread. Rate: events stored ÷ (last job "
                + "finished − first job started). Lag: the callback's timestamp (ms precision in the stream) to "
                + "the arrival of the event's bytes at the client. Complete: every client got every seq from 1 to "
                + "the job's last, once, in order, then `end`. The replay runs twice: at full speed (what the "
                + "pipeline can store) and paced at \(pacedRate) events/s in all (the lag at that sustained rate). "
                + "Target: ≥ 10 000 events/s stored, lag p99 ≤ 100 ms at 10 000 events/s, none lost.",
            header: ["feed", "events", "events/s stored", "lag p50", "lag p99", "lag max", "complete", "target"])
        let recording = bench.scratch + "/recording.jsonl"
        let real = try await BenchServer.with(bench, name: "events-real", database: bench.scratch + "/events-real.sqlite", workers: jobs) {
            server in
            let outcome = try await run(
                server, feed: "real `ansible-playbook`: \(jobs) × (200 `debug` tasks × 10 hosts)", target: .none
            ) {
                try await server.launch("events.yml", inventory: "local-hosts-10")
            }
            let recorded = try await server.jobs().first { $0["status"]?.stringValue == "successful" }
            guard let id = recorded?["id"]?.intValue else { throw BenchError("no successful real run to record") }
            try await record(Int64(id), from: server, to: recording)
            return outcome
        }
        section.rows.append(real.row)
        report.memory.append(.init(state: Self.realRunsState, rss: Figure.mib(real.peakRSS), benchmark: .events))
        let replayBin = try makeReplayBin()
        let replay = try await BenchServer.with(
            bench, name: "events-replay", database: bench.scratch + "/events-replay.sqlite", workers: jobs, ansibleBin: replayBin
        ) { server in
            let replay = ["BENCH_REPLAY": recording, "BENCH_REPLAY_REPEAT": "\(replayRepeat)"]
            let full = try await run(server, feed: "replay at full speed: \(jobs) jobs × \(replayRepeat) repeats", target: .rate) {
                try await server.launch("events.yml", inventory: "local-hosts-10", env: replay)
            }
            let paced = try await run(server, feed: "replay paced at \(pacedRate) events/s in all", target: .lag) {
                try await server.launch(
                    "events.yml", inventory: "local-hosts-10", env: replay.merging(["BENCH_REPLAY_RATE": "\(pacedRate / jobs)"]) { $1 })
            }
            return [full, paced]
        }
        section.rows += replay.map(\.row)
        report.memory.append(.init(state: Self.replaysState, rss: Figure.mib(replay.map(\.peakRSS).max() ?? 0), benchmark: .events))
        report.sections.append(section)
    }

    /// Which target a row is held to.
    enum Target {
        /// None: a real run's rate is Ansible's.
        case none
        /// ≥ 10 000 events/s stored, none lost.
        case rate
        /// Lag p99 ≤ 100 ms, none lost.
        case lag
    }

    private func run(
        _ server: BenchServer, feed: String, target: Target, launch: () async throws -> Int64
    ) async throws -> Outcome {
        var ids: [Int64] = []
        for _ in 0..<jobs { ids.append(try await launch()) }
        let followers = (0..<clients).map { SSEClient(server: server, jobID: ids[$0 % ids.count]) }
        for follower in followers { follower.start() }
        let pid = server.process.process.processIdentifier
        let sampler = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, BenchServer.residentBytes(of: pid))
                try? await Task.sleep(for: .milliseconds(100))
            }
            return peak
        }
        var results: [SSEClient.Result] = []
        for follower in followers { results.append(await follower.join()) }
        sampler.cancel()
        let peakRSS = await sampler.value
        var stored = 0
        var firstStart = Double.infinity
        var lastFinish = 0.0
        var lastSeq: [Int64: Int] = [:]
        for id in ids {
            let job = try await server.job(id)
            guard job["status"]?.stringValue == "successful" else { throw BenchError("event job \(id) ended \(job.jsonString())") }
            let last = job["events"]?.intValue ?? 0
            lastSeq[id] = last
            stored += last
            firstStart = min(firstStart, job["started_at"]?.stringValue.flatMap(Self.seconds) ?? .infinity)
            lastFinish = max(lastFinish, job["finished_at"]?.stringValue.flatMap(Self.seconds) ?? 0)
        }
        let complete = zip(followers.indices, results).filter { index, result in
            result.error == nil && result.ended && result.isComplete(last: lastSeq[ids[index % ids.count]] ?? -1)
        }.count
        let lags = results.flatMap(\.lags)
        let rate = Double(stored) / max(lastFinish - firstStart, 0.001)
        let p50 = Stats.percentile(lags, 50)
        let p99 = Stats.percentile(lags, 99)
        bench.log("events (\(feed)): \(stored) events, \(Figure.count(rate))/s, lag p99 \(Figure.ms(p99)), \(complete)/\(clients) complete")
        for result in results { if let error = result.error { bench.log("  a client failed: \(error)") } }
        let verdict =
            switch target {
            case .none: "(Ansible-bound)"
            case .rate: Figure.verdict(rate >= 10_000 && complete == clients)
            case .lag: Figure.verdict(p99 <= 0.100 && complete == clients)
            }
        return Outcome(
            row: [
                feed, "\(stored)", Figure.count(rate), Figure.ms(p50), Figure.ms(p99), Figure.ms(lags.max() ?? 0),
                "\(complete)/\(clients)", verdict,
            ],
            peakRSS: peakRSS)
    }

    /// Writes a stored run's events as the callback wrote them, one JSON line each, with
    /// a placeholder where the replay puts the time.
    private func record(_ id: Int64, from server: BenchServer, to path: String) async throws {
        var lines: [String] = []
        var after = 0
        while true {
            let (status, page) = try await RawHTTP.request(port: server.port, "GET", "/api/v1/jobs/\(id)/events?after=\(after)&limit=500")
            guard status == 200, case .array(let events)? = page["events"] else { throw BenchError("event page of job \(id): \(status)") }
            for event in events {
                guard case .object(var fields) = event else { continue }
                fields["seq"] = nil
                fields["time"] = .string("@TIME@")
                lines.append(JSONValue.object(fields).jsonString())
            }
            guard let next = page["next_after"]?.intValue, next > after, !events.isEmpty else { break }
            after = next
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        bench.log("recorded job \(id): \(lines.count) events")
    }

    /// A folder whose `ansible-playbook` is the replay script.
    private func makeReplayBin() throws -> String {
        guard let script = Bundle.module.path(forResource: "replay-ansible-playbook", ofType: "py", inDirectory: "Resources") else {
            throw BenchError("the replay script is missing from the benchmark's resources")
        }
        let bin = bench.scratch + "/replay-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: script, toPath: bin + "/ansible-playbook")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/ansible-playbook")
        return bin
    }

    static func seconds(_ iso: String) -> Double? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(iso))?.timeIntervalSince1970
    }
}
