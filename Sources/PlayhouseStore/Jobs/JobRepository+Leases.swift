public import Foundation
import PlayhouseCore
import SQLKit

extension JobRepository {
    /// Ends every running job whose worker has not renewed its lease for `lease`, as
    /// `error` "worker lost", and returns their ids. Safe to run in every process at once:
    /// a job is ended once.
    @discardableResult
    public func reapLost(lease: Duration, now: Date = Date()) async throws -> [Int64] {
        let cutoff = now.timeIntervalSince1970 - lease.inSeconds
        let jobs = try await sql.raw(
            """
            SELECT * FROM jobs
            WHERE status = \(status: .running) AND slice_count = 0 AND COALESCE(heartbeat_at, started_at) < \(bind: cutoff)
            """
        ).all(as: Job.self)
        var lost: [Int64] = []
        for job in jobs {
            let outcome = RunOutcome(status: .error, error: "worker lost" + (job.worker.map { ": \($0) stopped answering" } ?? ""))
            if try await finish(job.id, outcome: outcome, exitCode: nil, summary: job.summary, now: now) {
                lost.append(job.id)
            }
        }
        return lost
    }

    /// Renews the leases of `worker`'s running jobs, and returns the ids of those jobs.
    func renewLeases(worker: String, now: Date) async throws -> Set<Int64> {
        let ids = try await sql.raw(
            """
            UPDATE jobs SET heartbeat_at = \(bind: now.timeIntervalSince1970)
            WHERE worker = \(bind: worker) AND status = \(status: .running)
            RETURNING id
            """
        ).all(decodingColumn: "id", as: Int64.self)
        return Set(ids)
    }
}
