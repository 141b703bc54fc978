public import Foundation
public import PlayhouseCore
import SQLKit

extension JobRepository {
    /// The queued jobs workers could claim (not sliced jobs, whose slices are), in the order
    /// of priority, then age; at most `limit`.
    public func queued(limit: Int = 500) async throws -> [Job] {
        try await sql.raw(
            """
            SELECT * FROM jobs WHERE status = \(status: .queued) AND slice_count = 0 ORDER BY priority DESC, id LIMIT \(bind: limit)
            """
        ).all(as: Job.self)
    }

    /// Stores on the queued jobs (all, or those of `ids`) why they wait, when that lasts
    /// until the fleet changes: no worker of their groups is active, or they are heavier
    /// than all of them (``QueueWait/isLasting``); clears a reason that no longer holds.
    /// Jobs that wait for their environment keep that reason. A job that names no groups
    /// is not said to wait for a worker: that is a fleet without workers, said elsewhere
    /// (and a web process whose embedded workers are still starting).
    public func explainWaits(lease: Duration, only ids: [Int64]? = nil, now: Date = Date()) async throws {
        if let ids, ids.isEmpty { return }
        let workers = try await store.workers.list(lease: lease, now: now)
        let filter: SQLQueryString = ids.map { "AND id IN (\(binds: $0))" } ?? ""
        let waiting = try await sql.raw(
            """
            SELECT * FROM jobs WHERE status = \(status: .queued) AND slice_count = 0 AND waiting_for IS NULL \(filter)
            """
        ).all(as: Job.self)
        for job in waiting {
            let wait = QueueWait.of(groups: job.workerGroups, weight: job.weight, workers: workers)
            let lasting = wait.flatMap { $0.isLasting && !($0.kind == .noWorker && job.workerGroups.isEmpty) ? $0.message : nil }
            guard lasting != job.waitingReason else { continue }
            try await sql.raw(
                """
                UPDATE jobs SET waiting_reason = \(bind: lasting)
                WHERE id = \(bind: job.id) AND status = \(status: .queued) AND waiting_for IS NULL
                """
            ).run()
            await store.announce(.job(job.id))
        }
    }
}
