import Foundation
import PlayhouseCore
import SQLKit

extension Store {
    /// Queues a new job; it is durable when this returns.
    public func insertJob(_ parameters: JobParameters, now: Date = Date()) async throws -> Job {
        let job = try await insertJobRow(parameters, now: now)
        await announce(.queue)
        return job
    }

    /// Writes a queued job: a slice of `parentID`, or a sliced job of `sliceCount` slices.
    func insertJobRow(_ parameters: JobParameters, parentID: Int64? = nil, sliceCount: Int = 0, now: Date) async throws -> Job {
        let row = try await sql.raw("""
            INSERT INTO jobs (status, project, playbook, inventory, parameters, created_at, summary, parent_id, slice_count,
                              exclusive_key)
            VALUES (\(bind: JobStatus.queued.rawValue), \(bind: parameters.project), \(bind: parameters.playbook),
                    \(bind: parameters.inventory), \(bind: StoreCoding.encode(parameters)),
                    \(bind: now.timeIntervalSince1970), \(bind: StoreCoding.encode(JobSummary())), \(bind: parentID),
                    \(bind: sliceCount), \(bind: sliceCount > 0 ? nil : parameters.exclusiveKey))
            RETURNING *
            """).first()
        guard let row else { throw StoreError(.invalid, "the database did not return the new job") }
        return try StoreCoding.job(from: row)
    }

    /// The job with this id, or nil.
    public func job(_ id: Int64) async throws -> Job? {
        try await sql.raw("SELECT * FROM jobs WHERE id = \(bind: id)").first().map(StoreCoding.job(from:))
    }

    /// Jobs newest first; `before` is the id where the previous page ended; `projects`,
    /// when given, keeps only jobs of those projects.
    public func jobs(status: JobStatus? = nil, limit: Int = 50, before: Int64? = nil, projects: Set<String>? = nil) async throws -> [Job] {
        var query: SQLQueryString = "SELECT * FROM jobs WHERE 1 = 1"
        if let status { query += " AND status = \(bind: status.rawValue)" }
        if let projects {
            guard !projects.isEmpty else { return [] }
            query += " AND project IN (\(binds: projects.sorted()))"
        }
        if let before { query += " AND id < \(bind: before)" }
        query += " ORDER BY id DESC LIMIT \(bind: limit)"
        return try await sql.raw(query).all().map(StoreCoding.job(from:))
    }

    /// Takes the oldest queued job, marks it running for `worker` and returns it.
    /// A job with an exclusive key waits while another job with that key runs; jobs
    /// behind it go first meanwhile.
    public func claimNextJob(worker: String, now: Date = Date()) async throws -> Job? {
        guard let running = JobLifecycle.next(.queued, on: .claimed) else { return nil }
        let lock: SQLQueryString = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let pick: SQLQueryString = """
            SELECT q.id FROM jobs q WHERE q.status = 'queued' AND q.slice_count = 0
              AND (q.exclusive_key IS NULL
                   OR NOT EXISTS (SELECT 1 FROM jobs r WHERE r.exclusive_key = q.exclusive_key AND r.status = 'running'))
            ORDER BY q.id LIMIT 1\(lock)
            """
        let row: (any SQLRow)?
        do {
            row = try await sql.raw("""
                UPDATE jobs SET status = \(bind: running.rawValue), started_at = \(bind: now.timeIntervalSince1970),
                    heartbeat_at = \(bind: now.timeIntervalSince1970), worker = \(bind: worker)
                WHERE status = 'queued' AND id = (\(pick))
                RETURNING *
                """).first()
        } catch where Self.isUniqueViolation(error) {
            // Another worker started a job with the same exclusive key at the same moment.
            return nil
        }
        guard let row else { return nil }
        let job = try StoreCoding.job(from: row)
        await enqueueDeliveries(jobID: job.id, templateID: job.parameters.templateID, status: running, now: now)
        await announce(.job(job.id))
        if let parent = job.parentID { try await refreshSlicedJob(parent, now: now) }
        return job
    }

    /// A write refused by a unique index (SQLite and PostgreSQL say it differently).
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        let text = String(reflecting: error)
        return text.contains("UNIQUE constraint failed") || text.contains("23505")
    }

    /// Records how a running job ended. Returns false when the job was not running
    /// (ended meanwhile by someone else), in which case nothing changes.
    @discardableResult
    public func finishJob(
        _ id: Int64, outcome: RunOutcome, exitCode: Int?, summary: JobSummary, now: Date = Date()
    ) async throws -> Bool {
        guard let status = JobLifecycle.next(.running, on: .finished(outcome.status)) else {
            throw StoreError(.invalid, "\(outcome.status.rawValue) is not a final status")
        }
        var final = summary
        final.finish()
        let row = try await sql.raw("""
            UPDATE jobs SET status = \(bind: status.rawValue), finished_at = \(bind: now.timeIntervalSince1970),
                exit_code = \(bind: exitCode), error = \(bind: outcome.error), summary = \(bind: StoreCoding.encode(final))
            WHERE id = \(bind: id) AND status = 'running'
            RETURNING parent_id, parameters
            """).first()
        if let row {
            let parameters = try? StoreCoding.decode(JobParameters.self, try row.decode(column: "parameters", as: String.self))
            await enqueueDeliveries(jobID: id, templateID: parameters?.templateID, status: status, now: now)
        }
        await announce(.job(id))
        await announce(.queue)
        if let parent = try row?.decode(column: "parent_id", as: Int64?.self) {
            try await refreshSlicedJob(parent, now: now)
        }
        return row != nil
    }

    /// Asks for a job to stop. A queued job is canceled at once; a running one is flagged
    /// and its worker told. Returns the job as it is now, or nil when there is no such job.
    public func requestCancel(_ id: Int64, now: Date = Date()) async throws -> Job? {
        guard let job = try await job(id) else { return nil }
        if job.sliceCount > 0 {
            for slice in try await slices(of: id) where !slice.status.isFinal {
                _ = try await requestCancel(slice.id, now: now)
            }
            return try await self.job(id)
        }
        switch JobLifecycle.next(job.status, on: .cancelRequested) {
        case .canceled?:
            var summary = job.summary
            summary.finish()
            try await sql.raw("""
                UPDATE jobs SET status = 'canceled', finished_at = \(bind: now.timeIntervalSince1970),
                    summary = \(bind: StoreCoding.encode(summary))
                WHERE id = \(bind: id) AND status = 'queued'
                """).run()
        case .running?:
            try await sql.raw("UPDATE jobs SET cancel_requested = 1 WHERE id = \(bind: id) AND status = 'running'").run()
            await announce(.cancel(id))
        default:
            return job
        }
        await announce(.job(id))
        if let current = try await self.job(id), current.status == .queued {
            // Claimed between the read and the write: now running, so flag it.
            return try await requestCancel(id, now: now)
        }
        return try await self.job(id)
    }

    /// Ends every job left `running` (by a server that stopped or crashed), or only those
    /// of `worker`, as `error` with `message`, and returns their ids.
    @discardableResult
    public func interruptRunningJobs(message: String, worker: String? = nil, now: Date = Date()) async throws -> [Int64] {
        let running = try await jobs(status: .running, limit: Int(Int32.max))
        var ended: [Int64] = []
        for job in running where job.sliceCount == 0 && (worker == nil || job.worker == worker) {
            guard JobLifecycle.next(job.status, on: .interrupted) == .error else { continue }
            if try await finishJob(job.id, outcome: RunOutcome(status: .error, error: message), exitCode: nil,
                                   summary: job.summary, now: now) {
                ended.append(job.id)
            }
        }
        return ended
    }
}
