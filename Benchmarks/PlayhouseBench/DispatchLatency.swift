import Foundation
import PlayhouseCore

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
        let postgres = try await BenchServer.withFleet(bench, name: "dispatch", ansibleBin: shim.bin) { server in
            try await launchAll(server, shim: shim)
        }
        section.rows.append(row("PostgreSQL, `serve --workers 0` + `playhouse worker --capacity 2`", postgres))
        report.sections.append(section)
    }

    private struct Samples {
        var answered: [Double] = []
        var started: [Double] = []
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
            let sent = Stats.now()
            let id = try await server.launch("noop.yml", inventory: "one-host", env: ["BENCH_LAUNCH": "\(number)"])
            let answered = Stats.now()
            let started = try await startTime(of: number, in: shim)
            let job = try await server.waitFinished(id, poll: .milliseconds(20))
            guard job["status"]?.stringValue == "successful" else { throw BenchError("dispatch job \(id) ended \(job.jsonString())") }
            if number >= warmup {
                samples.answered.append(answered - sent)
                samples.started.append(started - sent)
            }
        }
        bench.log("dispatch: \(launches) launches, p50 \(Figure.ms(Stats.median(samples.started)))")
        return samples
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
