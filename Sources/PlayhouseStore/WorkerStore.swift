import Foundation
import PlayhouseCore
import SQLKit

extension Store {
    /// Records a worker that starts (or starts again) under `name`.
    public func registerWorker(name: String, host: String, capacity: Int, now: Date = Date()) async throws {
        let time = now.timeIntervalSince1970
        try await sql.raw("""
            INSERT INTO workers (name, host, capacity, state, started_at, last_heartbeat)
            VALUES (\(bind: name), \(bind: host), \(bind: capacity), 'active', \(bind: time), \(bind: time))
            ON CONFLICT (name) DO UPDATE SET host = excluded.host, capacity = excluded.capacity,
                state = excluded.state, started_at = excluded.started_at, last_heartbeat = excluded.last_heartbeat
            """).run()
    }

    /// The worker is alive (in `state`) and still runs its jobs: renews their leases and
    /// returns the ids of the jobs that are still its own and running. A job missing from
    /// the answer was ended by someone else (lost, or canceled while queued): stop it.
    public func heartbeat(worker: String, state: WorkerInfo.State, now: Date = Date()) async throws -> Set<Int64> {
        let time = now.timeIntervalSince1970
        try await sql.raw("""
            UPDATE workers SET last_heartbeat = \(bind: time), state = \(bind: state.rawValue) WHERE name = \(bind: worker)
            """).run()
        let ids = try await sql.raw("""
            UPDATE jobs SET heartbeat_at = \(bind: time) WHERE worker = \(bind: worker) AND status = 'running'
            RETURNING id
            """).all(decodingColumn: "id", as: Int64.self)
        return Set(ids)
    }

    /// Ends every running job whose worker has not renewed its lease for `lease`, as
    /// `error` "worker lost", and returns their ids. Safe to run in every process at once:
    /// a job is ended once.
    @discardableResult
    public func reapLostJobs(lease: Duration, now: Date = Date()) async throws -> [Int64] {
        let cutoff = now.timeIntervalSince1970 - Double(lease.components.seconds)
            - Double(lease.components.attoseconds) / 1e18
        let rows = try await sql.raw("""
            SELECT * FROM jobs
            WHERE status = 'running' AND slice_count = 0 AND COALESCE(heartbeat_at, started_at) < \(bind: cutoff)
            """).all().map(StoreCoding.job(from:))
        var lost: [Int64] = []
        for job in rows {
            let outcome = RunOutcome(status: .error, error: "worker lost" + (job.worker.map { ": \($0) stopped answering" } ?? ""))
            if try await finishJob(job.id, outcome: outcome, exitCode: nil, summary: job.summary, now: now) {
                lost.append(job.id)
            }
        }
        return lost
    }

    /// Records that a worker stopped cleanly.
    public func stopWorker(name: String, now: Date = Date()) async throws {
        try await sql.raw("""
            UPDATE workers SET state = 'stopped', last_heartbeat = \(bind: now.timeIntervalSince1970) WHERE name = \(bind: name)
            """).run()
    }

    /// Every worker known, by name; one whose heartbeats stopped for `lease` shows as lost.
    public func workers(lease: Duration, now: Date = Date()) async throws -> [WorkerInfo] {
        let cutoff = now.timeIntervalSince1970 - Double(lease.components.seconds)
        let rows = try await sql.raw("""
            SELECT w.*, (SELECT COUNT(*) FROM jobs j WHERE j.worker = w.name AND j.status = 'running') AS running
            FROM workers w ORDER BY w.name
            """).all()
        return try rows.map { row in
            let last = try row.decode(column: "last_heartbeat", as: Double.self)
            var state = WorkerInfo.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .active
            if state != .stopped, last < cutoff { state = .lost }
            return WorkerInfo(
                name: try row.decode(column: "name", as: String.self),
                host: try row.decode(column: "host", as: String.self),
                capacity: try row.decode(column: "capacity", as: Int.self),
                state: state,
                startedAt: Date(timeIntervalSince1970: try row.decode(column: "started_at", as: Double.self)),
                lastHeartbeat: Date(timeIntervalSince1970: last),
                runningJobs: try row.decode(column: "running", as: Int.self))
        }
    }
}
