import Foundation
import PlayhouseCore

/// Job list and job detail latency while 8 jobs run and stream their events to a client
/// each, against the same requests once those jobs have stopped.
struct APILoad {
    let bench: BenchContext
    let jobs = 8

    func measure(into report: inout Report) async throws {
        var section = Report.Section(
            .api,
            method: "wrk, \(Wrk.connections) connections, 5 s per row, against `serve --workers \(jobs)` (SQLite). Busy: "
                + "\(jobs) real `ansible-playbook` runs (200 `debug` tasks × 10 hosts) at once, each followed by an SSE "
                + "client. Idle: the same server and store after those jobs were canceled.",
            header: ["request", "busy p50", "busy p99", "busy req/s", "idle p50", "idle p99", "idle req/s"])
        try await BenchServer.with(bench, name: "api", database: bench.scratch + "/api.sqlite", workers: jobs) { server in
            var ids: [Int64] = []
            for _ in 0..<jobs { ids.append(try await server.launch("events.yml", inventory: "local-hosts-10")) }
            let followers = ids.map { SSEClient(server: server, jobID: $0) }
            for follower in followers { follower.start() }
            // Measure once every job is running and has stored events.
            for id in ids {
                while try await server.job(id)["events"]?.intValue ?? 0 < 20 { try await Task.sleep(for: .milliseconds(200)) }
            }
            let paths = ["/api/v1/jobs", "/api/v1/jobs/\(ids[0])"]
            var busy: [Wrk.Figures] = []
            for path in paths { busy.append(try await Wrk.run(server, path: path)) }
            for id in ids { try await server.cancel(id) }
            for follower in followers { _ = await follower.join() }
            for (index, path) in paths.enumerated() {
                let idle = try await Wrk.run(server, path: path)
                let load = busy[index]
                section.rows.append([
                    "`GET \(index == 0 ? "/api/v1/jobs" : "/api/v1/jobs/{id}")`",
                    Figure.ms(load.p50), Figure.ms(load.p99), Figure.count(load.requestsPerSecond),
                    Figure.ms(idle.p50), Figure.ms(idle.p99), Figure.count(idle.requestsPerSecond),
                ])
            }
            bench.log("api: \(section.rows.map { $0.joined(separator: " ") })")
        }
        report.sections.append(section)
    }
}
