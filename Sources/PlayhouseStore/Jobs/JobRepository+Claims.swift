public import Foundation
public import PlayhouseCore
import SQLKit

extension JobRepository {
    /// Takes the next queued job `room` lets `worker` take, marks it running for `worker`
    /// and returns it.
    ///
    /// The next job is the one of highest priority; among equals, one queued for longer than
    /// `room.reserveAfter` before younger ones; then the one whose project has the fewest
    /// jobs running (fair share: a project's flood of launches takes turns with the others'
    /// jobs rather than going first because it came first); then the oldest.
    /// A job with an exclusive key waits while another job with that key runs, and one
    /// waiting for its environment while it is built; jobs behind them go first meanwhile.
    /// A job that names worker groups goes only to a worker of one of them.
    ///
    /// A job goes to a worker with room for its weight; a job heavier than the worker's
    /// whole capacity goes to it once it is idle, and runs there alone. Smaller jobs fill the
    /// gaps, but not forever: once a job that does not fit has been queued for longer than
    /// `room.reserveAfter`, the worker starts no job behind it (of lower priority, or of its
    /// priority and younger) until it has, so its running jobs end and make room.
    public func claimNext(worker: String, room: ClaimRoom = ClaimRoom(), now: Date = Date()) async throws -> Job? {
        guard let running = JobLifecycle.next(.queued, on: .claimed) else { return nil }
        let overdue = now.timeIntervalSince1970 - room.reserveAfter.inSeconds
        // An idle worker has room for any job; a busy one holds back what waits behind an
        // overdue job that does not fit.
        let fits: SQLQueryString = room.isIdle ? "1 = 1" : "q.weight <= \(bind: room.freeForks)"
        let reserved: SQLQueryString =
            room.isIdle
            ? "1 = 1"
            : """
            NOT EXISTS (SELECT 1 FROM jobs h WHERE \(takeable("h", room: room, now: now))
                AND h.weight > \(bind: room.freeForks) AND h.created_at < \(bind: overdue)
                AND (h.priority > q.priority OR (h.priority = q.priority AND h.id < q.id)))
            """
        let pick: SQLQueryString = """
            SELECT q.id FROM jobs q WHERE \(takeable("q", room: room, now: now)) AND \(fits) AND \(reserved)
            ORDER BY q.priority DESC,
                CASE WHEN q.created_at < \(bind: overdue) THEN 0 ELSE 1 END,
                (SELECT COUNT(*) FROM jobs p WHERE p.project = q.project AND p.status = \(status: .running)),
                q.id
            LIMIT 1\(store.forUpdateSkipLocked)
            """
        let job: Job?
        do {
            job = try await sql.raw(
                """
                UPDATE jobs SET status = \(status: running), started_at = \(bind: now.timeIntervalSince1970),
                    heartbeat_at = \(bind: now.timeIntervalSince1970), worker = \(bind: worker), waiting_for = NULL,
                    waiting_reason = NULL
                WHERE status = \(status: .queued) AND id = (\(pick))
                RETURNING *
                """
            ).first(as: Job.self)
        } catch  where Store.isUniqueViolation(error) {
            // Another worker started a job with the same exclusive key at the same moment.
            return nil
        }
        guard let job else { return nil }
        try await took(job, now: now)
        return job
    }

    /// The queued jobs (as `alias`) a worker of `room`'s groups may start now: not sliced,
    /// not behind a running job with their exclusive key, not waiting for an environment
    /// being built, and of no groups or one of the worker's. `alias` is written in this
    /// file, never input.
    private func takeable(_ alias: StaticString, room: ClaimRoom, now: Date) -> SQLQueryString {
        let a = SQLQueryString(alias.description)
        return """
            \(a).status = \(status: .queued) AND \(a).slice_count = 0
              AND (\(a).exclusive_key IS NULL
                   OR NOT EXISTS (SELECT 1 FROM jobs r WHERE r.exclusive_key = \(a).exclusive_key AND r.status = \(status: .running)))
              AND (\(a).waiting_for IS NULL
                   OR NOT EXISTS (SELECT 1 FROM environment_builds b WHERE b.env_key = \(a).waiting_for
                                  AND b.status = \(bind: EnvironmentBuild.Status.building.rawValue)
                                  AND b.started_at > \(bind: now.timeIntervalSince1970 - EnvironmentRepository.staleBuild)))
              AND (\(a).worker_groups = ''\(groupMatches(a, room.groups)))
            """
    }

    /// ` OR` the job's groups (`,a,b,`) hold one of `groups`: a substring search, which
    /// SQLite and PostgreSQL name differently.
    private func groupMatches(_ alias: SQLQueryString, _ groups: [String]) -> SQLQueryString {
        var matches: SQLQueryString = ""
        for group in groups {
            let needle = WorkerGroups.stored([group])
            switch store.dialect {
            case .sqlite: matches += " OR instr(\(alias).worker_groups, \(bind: needle)) > 0"
            case .postgres: matches += " OR strpos(\(alias).worker_groups, \(bind: needle)) > 0"
            }
        }
        return matches
    }

    /// What follows a claim: its sliced job moves on, its notifications go out, its
    /// watchers are woken.
    private func took(_ job: Job, now: Date) async throws {
        if let parent = job.parentID { try await refreshSliced(after: parent, now: now) }
        await store.notificationTargets.enqueueDeliveries(jobID: job.id, templateID: job.parameters.templateID, status: .running, now: now)
        await store.announce(.job(job.id))
    }

    /// The job `worker` took with a claim sent with `now` as its start, if that claim went
    /// through: a claim whose answer was lost with the connection may have, and then
    /// nothing that follows a claim happened yet.
    public func claimed(by worker: String, at now: Date) async throws -> Job? {
        let job = try await sql.raw(
            """
            SELECT * FROM jobs WHERE worker = \(bind: worker) AND status = \(status: .running)
                AND started_at = \(bind: now.timeIntervalSince1970)
            """
        ).first(as: Job.self)
        if let job { try await took(job, now: now) }
        return job
    }

    /// Gives a running job back to the queue, where it waits while the environment `key`
    /// is being built; `reason` says so on the job. False when the job was not running.
    @discardableResult
    public func requeue(_ id: Int64, waitingFor key: String, reason: String, now: Date = Date()) async throws -> Bool {
        guard let queued = JobLifecycle.next(.running, on: .requeued) else { return false }
        let requeued = try await sql.raw(
            """
            UPDATE jobs SET status = \(status: queued), started_at = NULL, heartbeat_at = NULL, worker = NULL,
                waiting_for = \(bind: key), waiting_reason = \(bind: reason)
            WHERE id = \(bind: id) AND status = \(status: .running)
            RETURNING *
            """
        ).first(as: Job.self)
        // A sliced job whose slices all wait again is queued again too.
        if let parent = requeued?.parentID { try await refreshSliced(after: parent, now: now) }
        await store.announce(.job(id))
        return requeued != nil
    }

    /// Ends every queued job waiting for the environment `key` as `error` with `message`:
    /// its build failed.
    public func abandonWaiting(for key: String, message: String, now: Date = Date()) async throws {
        guard let error = JobLifecycle.next(.queued, on: .abandoned) else { return }
        let ended = try await sql.raw(
            """
            UPDATE jobs SET status = \(status: error), finished_at = \(bind: now.timeIntervalSince1970), error = \(bind: message),
                waiting_for = NULL, waiting_reason = NULL
            WHERE status = \(status: .queued) AND waiting_for = \(bind: key)
            RETURNING *
            """
        ).all(as: Job.self)
        for job in ended {
            if let parent = job.parentID { try await refreshSliced(after: parent, now: now) }
            await store.notificationTargets.enqueueDeliveries(jobID: job.id, templateID: job.parameters.templateID, status: error, now: now)
            if job.parameters.workflowNodeID != nil { await store.announce(.workflows) }
            await store.announce(.job(job.id))
        }
    }

    /// Records how a running job ended. Returns false when the job was not running
    /// (ended meanwhile by someone else), in which case nothing changes.
    @discardableResult
    public func finish(_ id: Int64, outcome: RunOutcome, exitCode: Int?, summary: JobSummary, now: Date = Date()) async throws -> Bool {
        guard let status = JobLifecycle.next(.running, on: .finished(outcome.status)) else {
            throw StoreError(.invalid, "\(outcome.status.rawValue) is not a final status")
        }
        var final = summary
        final.finish()
        let ended = try await sql.raw(
            """
            UPDATE jobs SET status = \(status: status), finished_at = \(bind: now.timeIntervalSince1970),
                exit_code = \(bind: exitCode), error = \(bind: outcome.error), summary = \(bind: JSONColumn.encode(final))
            WHERE id = \(bind: id) AND status = \(status: .running)
            RETURNING *
            """
        ).first(as: Job.self)
        // A sliced job never stays running after its last slice.
        if let parent = ended?.parentID { try await refreshSliced(after: parent, now: now) }
        if let ended {
            await store.notificationTargets.enqueueDeliveries(jobID: id, templateID: ended.parameters.templateID, status: status, now: now)
            if ended.parameters.workflowNodeID != nil { await store.announce(.workflows) }
        }
        await store.announce(.job(id))
        await store.announce(.queue)
        return ended != nil
    }

    /// Asks for a job to stop. A queued job is canceled at once; a running one is flagged
    /// and its worker told; a sliced job's slices are, each as it stands. Returns the job
    /// as it is now, or nil when there is no such job.
    public func requestCancel(_ id: Int64, now: Date = Date()) async throws -> Job? {
        try await store.withTransaction { store in
            guard
                let sliceCount = try await store.sql.raw("SELECT slice_count FROM jobs WHERE id = \(bind: id)")
                    .first(decodingColumn: "slice_count", as: Int.self)
            else { return nil }
            // Locked slices first, then their sliced job (in refreshSliced), as a claim or an end
            // locks them: two transactions never wait on each other in a circle.
            let filter: SQLQueryString = sliceCount > 0 ? "parent_id = \(bind: id) ORDER BY id" : "id = \(bind: id)"
            let targets = try await store.sql.raw("SELECT * FROM jobs WHERE \(filter)\(store.forUpdate)").all(as: Job.self)
            var changed = false
            for job in targets {
                changed = try await store.jobs.stop(job, now: now) || changed
            }
            if changed, let parent = sliceCount > 0 ? id : targets.first?.parentID {
                try await store.jobs.refreshSliced(parent, now: now)
            }
            return try await store.jobs.find(id)
        }
    }

    /// Cancels a queued job, or flags a running one for its worker; false when `job` has ended.
    private func stop(_ job: Job, now: Date) async throws -> Bool {
        switch JobLifecycle.next(job.status, on: .cancelRequested) {
        case .canceled?:
            var summary = job.summary
            summary.finish()
            try await sql.raw(
                """
                UPDATE jobs SET status = \(status: .canceled), finished_at = \(bind: now.timeIntervalSince1970),
                    summary = \(bind: JSONColumn.encode(summary))
                WHERE id = \(bind: job.id) AND status = \(status: .queued)
                """
            ).run()
            if job.parameters.workflowNodeID != nil { await store.announce(.workflows) }
        case .running?:
            try await sql.raw(
                """
                UPDATE jobs SET cancel_requested = 1 WHERE id = \(bind: job.id) AND status = \(status: .running)
                """
            ).run()
            await store.announce(.cancel(job.id))
        default:
            return false
        }
        await store.announce(.job(job.id))
        return true
    }

    /// Ends every job left `running` (by a server that stopped or crashed), or only those
    /// of `worker`, as `error` with `message`, and returns their ids.
    @discardableResult
    public func interruptRunning(message: String, worker: String? = nil, now: Date = Date()) async throws -> [Int64] {
        var filter = JobFilter()
        filter.status = .running
        let running = try await list(filter, limit: Int(Int32.max))
        var ended: [Int64] = []
        for job in running where job.sliceCount == 0 && (worker == nil || job.worker == worker) {
            guard JobLifecycle.next(job.status, on: .interrupted) == .error else { continue }
            let outcome = RunOutcome(status: .error, error: message)
            if try await finish(job.id, outcome: outcome, exitCode: nil, summary: job.summary, now: now) {
                ended.append(job.id)
            }
        }
        return ended
    }
}
