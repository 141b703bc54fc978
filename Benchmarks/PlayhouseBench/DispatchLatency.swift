import Foundation
import PlayhouseCore
import PlayhouseTestSupport

/// Launch request → `ansible-playbook` process started. A shim in place of
/// `ansible-playbook` writes bash's `$EPOCHREALTIME` (no fork) and the launch number, then
/// execs the real one; each launch waits for the previous job to finish, so every
/// dispatch meets an idle system.
struct DispatchLatency {
    let bench: BenchContext
    let launches: Int
    let warmup = 5

    func measure(into report: inout Report) async throws {
        var section = Report.Section(
            .dispatch,
            method: "\(launches) launches of a one-task playbook, one at a time after \(warmup) warm-up launches. "
                + "Latency: from just before `POST /api/v1/jobs` is sent to the shim's first instruction in the "
                + "new `ansible-playbook` process. Target: p50 ≤ 20 ms, p99 ≤ 50 ms.",
            header: ["setup", "POST answered p50", "started p50", "started p99", "started max", "target"])
        let shim = try StartShim.make(bench, name: "dispatch")
        let sqlite = try await BenchServer.with(
            bench, name: "dispatch-sqlite", database: bench.scratch + "/dispatch.sqlite", workers: 2, ansibleBin: shim.bin
        ) { server in
            try await launchAll(server, shim: shim)
        }
        section.rows.append(row("embedded, SQLite (`serve --workers 2`)", sqlite))
        let (postgres, restarted) = try await BenchServer.withFleet(bench, name: "dispatch", ansibleBin: shim.bin) { server, database in
            (try await launchAll(server, shim: shim), try await launchAfterRestarts(server, database, shim: shim))
        }
        section.rows.append(row("PostgreSQL, `serve --workers 0` + `playhouse worker --capacity 2`", postgres))
        section.rows.append(
            row("the same, the first launch after each of \(restarts) `pg_ctl restart -m fast` (once health says ok)", restarted))
        section.notes.append(
            "After a PostgreSQL restart, `/api/v1/health` said ok again within "
                + "\(Figure.ms(Stats.median(restarted.healthy))) (median; longest \(Figure.ms(restarted.healthy.max() ?? 0))) "
                + "of `pg_ctl restart` returning.")
        report.sections.append(section)
    }

    /// Restarts of PostgreSQL under the fleet in the dispatch benchmark.
    let restarts = 10

    /// PostgreSQL restarted `restarts` times: after each, once the web process says it is
    /// healthy again, one launch, timed as the others; the worker must have listened again
    /// by then, or it hears of the job only at its next poll.
    private func launchAfterRestarts(_ server: BenchServer, _ database: TestPostgres.Server, shim: StartShim) async throws -> Samples {
        var samples = Samples()
        for round in 0..<restarts {
            try await database.restart(mode: "fast")
            let restarted = Stats.now()
            let deadline = ContinuousClock.now + .seconds(60)
            while try await RawHTTP.request(port: server.port, "GET", "/api/v1/health").status != 200 {
                guard ContinuousClock.now < deadline else { throw BenchError("health was not ok within 60 s of a restart") }
                try await Task.sleep(for: .milliseconds(5))
            }
            samples.healthy.append(Stats.now() - restarted)
            let (answered, started) = try await timedLaunch(warmup + launches + round, server, shim: shim)
            samples.answered.append(answered)
            samples.started.append(started)
        }
        bench.log("dispatch after restarts: p50 \(Figure.ms(Stats.median(samples.started)))")
        return samples
    }

    private struct Samples {
        var answered: [Double] = []
        var started: [Double] = []
        /// After a restart, until health said ok.
        var healthy: [Double] = []
    }

    private func row(_ name: String, _ samples: Samples) -> [String] {
        let p50 = Stats.percentile(samples.started, 50)
        let p99 = Stats.percentile(samples.started, 99)
        return [
            name, Figure.ms(Stats.median(samples.answered)), Figure.ms(p50), Figure.ms(p99),
            Figure.ms(samples.started.max() ?? 0), Figure.verdict(p50 <= 0.020 && p99 <= 0.050),
        ]
    }

    private func launchAll(_ server: BenchServer, shim: StartShim) async throws -> Samples {
        shim.clear()
        var samples = Samples()
        for number in 0..<(warmup + launches) {
            let (answered, started) = try await timedLaunch(number, server, shim: shim)
            if number >= warmup {
                samples.answered.append(answered)
                samples.started.append(started)
            }
        }
        bench.log("dispatch: \(launches) launches, p50 \(Figure.ms(Stats.median(samples.started)))")
        return samples
    }

    /// Launch `number`, waited for to its end: seconds until the POST was answered, and
    /// until `ansible-playbook` started.
    private func timedLaunch(_ number: Int, _ server: BenchServer, shim: StartShim) async throws -> (answered: Double, started: Double) {
        let sent = Stats.now()
        let id = try await server.launch("noop.yml", inventory: "one-host", env: ["BENCH_LAUNCH": "\(number)"])
        let answered = Stats.now()
        let started = try await startTime(of: number, in: shim)
        let job = try await server.waitFinished(id, poll: .milliseconds(20))
        guard job["status"]?.stringValue == "successful" else { throw BenchError("dispatch job \(id) ended \(job.jsonString())") }
        return (answered - sent, started - sent)
    }

    /// The shim's timestamp for launch `number`, once it is written.
    private func startTime(of number: Int, in shim: StartShim) async throws -> Double {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let start = shim.recorded().last(where: { $0.launch == "\(number)" }) { return start.time }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw BenchError("launch \(number) did not start ansible-playbook within 30 s")
    }
}
