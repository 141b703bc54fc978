import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import PlayhouseWorker
import Testing

/// `playhouse cleanup` on a SQLite file, and the daily cleanup `serve --older-than` runs.
@Suite struct CleanupTests {
    /// A job that ended `daysAgo`.
    static func ended(_ store: Store, daysAgo: Double) async throws -> Int64 {
        let time = Date().addingTimeInterval(-daysAgo * 86_400)
        let job = try await store.jobs.insert(JobParameters(project: "p", playbook: "site.yml", inventory: "hosts"), now: time)
        _ = try await store.jobs.claimNext(worker: "w", now: time)
        _ = try await store.jobs.finish(job.id, outcome: RunOutcome(status: .successful), exitCode: 0, summary: JobSummary(), now: time)
        return job.id
    }

    @Test func theCommandCountsThenDeletesAndGivesTheSpaceBack() async throws {
        let database = try TestPaths.scratch("cleanup") + "/playhouse.sqlite"
        let (old, young) = try await Store.withSQLite(path: database, logger: Logger(label: "test")) { store in
            let old = try await Self.ended(store, daysAgo: 40)
            // A big log, so the file has pages to give back.
            try await store.output.append(
                OutputChunk(number: 0, firstLine: 0, text: String(repeating: "x", count: 4_000_000) + "\n"), to: old)
            return (old, try await Self.ended(store, daysAgo: 2))
        }
        let size = { ((try? FileManager.default.attributesOfItem(atPath: database)[.size]) as? Int) ?? 0 }
        let dry = try PlayhouseProcess.command([
            "cleanup", "--older-than", "30d", "--dry-run", "--database", database, "--log-level", "error",
        ])
        #expect(dry.status == 0 && dry.output.contains("would delete 1 jobs"), "\(dry.output)")
        let before = size()
        let run = try PlayhouseProcess.command(["cleanup", "--older-than", "30d", "--database", database, "--log-level", "error"])
        #expect(run.status == 0 && run.output.contains("deleted 1 jobs"), "\(run.output)")
        #expect(size() < before - 2_000_000, "the log's pages were given back: \(before) → \(size())")
        let bad = try PlayhouseProcess.command(["cleanup", "--older-than", "soon", "--database", database])
        #expect(bad.status != 0 && bad.output.contains("--older-than must be an age such as 90d"), "\(bad.output)")
        try await Store.withSQLite(path: database, logger: Logger(label: "test")) { (store: Store) async throws in
            #expect(try await store.jobs.find(old) == nil)
            #expect(try await store.jobs.find(young) != nil)
        }
    }

    @Test func theDailyCleanupOfAServerDeletesWhatIsPastItsRetention() async throws {
        try await TestPaths.withStore { store in
            let old = try await Self.ended(store, daysAgo: 40)
            let young = try await Self.ended(store, daysAgo: 2)
            let cleaner = Cleaner(
                store: store, policy: { CleanupPolicy(endedBefore: $0.addingTimeInterval(-30 * 86_400)) }, logger: Logger(label: "test"),
                firstRun: .zero)
            let running = Task { await cleaner.run() }
            let deadline = ContinuousClock.now + .seconds(30)
            while try await store.jobs.find(old) != nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            running.cancel()
            await running.value
            #expect(try await store.jobs.find(old) == nil)
            #expect(try await store.jobs.find(young) != nil)
        }
    }
}
