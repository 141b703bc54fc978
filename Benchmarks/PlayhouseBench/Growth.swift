import Foundation
import PlayhouseCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Memory and latency as the store grows: a real job is copied with `sqlite3` (the bulk
/// load is not what is measured) to 1 000 and then to `jobs` jobs of 100 events each, and
/// a fresh `serve` is measured on each size.
struct Growth {
    let bench: BenchContext
    let jobs: Int
    let eventsPerJob = 100

    func measure(into report: inout Report) async throws {
        let database = bench.scratch + "/growth.sqlite"
        var template: Int64 = 0
        try await BenchServer.with(bench, name: "growth-template", database: database, workers: 1) { server in
            try await Task.sleep(for: .seconds(2))
            report.memory.append(.init(state: "serve idle, empty store", rss: Figure.mib(server.residentBytes), benchmark: .growth))
            template = try await server.launch("growth.yml", inventory: "local-hosts-3")
            let job = try await server.waitFinished(template)
            guard job["status"]?.stringValue == "successful", job["events"]?.intValue ?? 0 >= eventsPerJob else {
                throw BenchError("the growth template job ended \(job.jsonString())")
            }
        }
        let sizes = [1_000, jobs]
        var figures: [[Wrk.Figures]] = []
        var rows: [String] = []
        for size in sizes {
            try await seed(database, template: template, upTo: size)
            bench.log("growth: store holds \(size) jobs, \(size * eventsPerJob) events")
            try await BenchServer.with(bench, name: "growth-\(size)", database: database, workers: 1) { server in
                try await Task.sleep(for: .seconds(1))
                let middle = template + Int64(size / 2)
                let paths = [
                    "/api/v1/jobs", "/api/v1/jobs?before=\(middle)", "/api/v1/jobs/\(middle)",
                    "/api/v1/jobs/\(middle)/events?after=50&limit=50",
                    "/api/v1/jobs?status=successful&playbook=growth.yml&launched_by=admin", "/api/v1/jobs?host=h02",
                    "/api/v1/jobs?q=step%2016", "/api/v1/hosts", "/api/v1/hosts/h02", "/jobs",
                ]
                rows = [
                    "job list, first page", "job list, page from the middle (`before=`)", "job detail", "event page (`after=50&limit=50`)",
                    "job list filtered (status, playbook, launched by)", "job list of a host (`host=`)",
                    "search of what ran (`q=step 16`)", "hosts page (API)", "one host's history (API)", "jobs page (HTML)",
                ]
                var measured: [Wrk.Figures] = []
                for path in paths { measured.append(try await Wrk.run(server, path: path)) }
                figures.append(measured)
                report.memory.append(
                    .init(
                        state: "serve with \(size) jobs / \(size * eventsPerJob) events, after the requests",
                        rss: Figure.mib(server.residentBytes), benchmark: .growth))
            }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0
        var section = Report.Section(
            .growth,
            method: "Latency (wrk, \(Wrk.connections) connections, 5 s per figure) on a fresh `serve` over a store of "
                + "1 000 and of \(jobs) jobs with \(eventsPerJob) events each (a real job copied with `sqlite3`; the "
                + "file was \(Figure.mib(size)) at the end). Flat means keyset paging and indexes hold.",
            header: ["request", "p50 at 1 000", "p99 at 1 000", "p50 at \(jobs)", "p99 at \(jobs)", "p50 ratio"])
        for (index, name) in rows.enumerated() {
            let small = figures[0][index]
            let large = figures[1][index]
            section.rows.append([
                name, Figure.ms(small.p50), Figure.ms(small.p99), Figure.ms(large.p50), Figure.ms(large.p99),
                Figure.ratio(large.p50 / small.p50),
            ])
        }
        report.sections.append(section)
    }

    /// Copies the template job and its first 100 events until the store holds `total` jobs.
    private func seed(_ database: String, template: Int64, upTo total: Int) async throws {
        let columns =
            "status, project, playbook, inventory, parameters, created_at, started_at, finished_at, exit_code, "
            + "error, summary, cancel_requested, worker, heartbeat_at, parent_id, slice_count, template_id, launched_by, output_lines"
        let sql = """
            PRAGMA journal_mode = WAL;
            BEGIN;
            CREATE TEMP TABLE copies AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
                WHERE i < \(total) - (SELECT count(*) FROM jobs)) SELECT i FROM n WHERE \(total) > (SELECT count(*) FROM jobs);
            CREATE TEMP TABLE first AS SELECT coalesce(max(id), 0) AS id FROM jobs;
            INSERT INTO jobs (\(columns), last_seq)
                SELECT \(columns), \(eventsPerJob) FROM jobs, copies WHERE jobs.id = \(template) ORDER BY copies.i;
            INSERT INTO host_results (job_id, host, project, status, ok, changed, failed, unreachable, skipped, rescued, ignored,
                    failed_task, failure, finished_at)
                SELECT jobs.id, r.host, r.project, r.status, r.ok, r.changed, r.failed, r.unreachable, r.skipped, r.rescued, r.ignored,
                    r.failed_task, r.failure, r.finished_at
                FROM jobs JOIN host_results r ON r.job_id = \(template) WHERE jobs.id > (SELECT id FROM first);
            UPDATE host_latest SET job_id = (SELECT MAX(job_id) FROM host_results r
                WHERE r.host = host_latest.host AND r.project = host_latest.project);
            INSERT INTO job_text (rowid, body)
                SELECT jobs.id, (SELECT body FROM job_text WHERE rowid = \(template)) FROM jobs WHERE jobs.id > (SELECT id FROM first);
            INSERT INTO job_events (job_id, seq, type, time, play, task, host, changed, failed, message, data)
                SELECT jobs.id, e.seq, e.type, e.time, e.play, e.task, e.host, e.changed, e.failed, e.message, e.data
                FROM jobs JOIN job_events e ON e.job_id = \(template) AND e.seq <= \(eventsPerJob)
                WHERE jobs.id > (SELECT id FROM first) ORDER BY jobs.id, e.seq;
            COMMIT;
            """
        let result = try await Subprocess.run(
            .name("sqlite3"), arguments: [database], input: .string(sql),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            throw BenchError("seeding \(database) failed: \result.standardError")
        }
    }
}
