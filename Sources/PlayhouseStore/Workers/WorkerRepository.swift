public import Foundation
public import PlayhouseCore
import SQLKit

/// The processes that run jobs, as they last reported.
public struct WorkerRepository: Repository {
    let store: Store

    /// Records a worker that starts (or starts again) under `name`: `capacity` jobs at once,
    /// `capacityForks` forks at once, taking the jobs of `groups`.
    public func register(
        name: String, host: String, capacity: Int, groups: [String] = [WorkerGroups.defaultGroup], capacityForks: Int = 0,
        now: Date = Date()
    ) async throws {
        let time = now.timeIntervalSince1970
        try await sql.raw(
            """
            INSERT INTO workers (name, host, capacity, state, started_at, last_heartbeat, worker_groups, capacity_forks)
            VALUES (\(bind: name), \(bind: host), \(bind: capacity), \(bind: WorkerInfo.State.active.rawValue), \(bind: time),
                    \(bind: time), \(bind: WorkerGroups.stored(groups)), \(bind: capacityForks))
            ON CONFLICT (name) DO UPDATE SET host = excluded.host, capacity = excluded.capacity,
                state = excluded.state, started_at = excluded.started_at, last_heartbeat = excluded.last_heartbeat,
                worker_groups = excluded.worker_groups, capacity_forks = excluded.capacity_forks
            """
        ).run()
    }

    /// The worker is alive (in `state`) and still runs its jobs: renews their leases and
    /// returns the ids of the jobs that are still its own and running. A job missing from
    /// the answer was ended by someone else (lost, or canceled while queued): stop it.
    public func heartbeat(worker: String, state: WorkerInfo.State, now: Date = Date()) async throws -> Set<Int64> {
        // Two statements, no transaction: each stands on its own, and a transaction would
        // hold the rows of every running job of the worker, which its recorder and the
        // reapers also write, across the round trips between them.
        try await sql.raw(
            """
            UPDATE workers SET last_heartbeat = \(bind: now.timeIntervalSince1970), state = \(bind: state.rawValue)
            WHERE name = \(bind: worker)
            """
        ).run()
        return try await store.jobs.renewLeases(worker: worker, now: now)
    }

    /// Records that a worker stopped cleanly.
    public func stop(name: String, now: Date = Date()) async throws {
        try await sql.raw(
            """
            UPDATE workers SET state = \(bind: WorkerInfo.State.stopped.rawValue), last_heartbeat = \(bind: now.timeIntervalSince1970)
            WHERE name = \(bind: name)
            """
        ).run()
    }

    /// Every worker known, by name, with the jobs it runs and the forks they weigh; one
    /// whose heartbeats stopped for `lease` shows as lost.
    public func list(lease: Duration, now: Date = Date()) async throws -> [WorkerInfo] {
        let cutoff = now.timeIntervalSince1970 - lease.inSeconds
        let rows = try await sql.raw(
            """
            SELECT w.*, (SELECT COUNT(*) FROM jobs j WHERE j.worker = w.name AND j.status = \(status: .running)) AS running,
                (SELECT COALESCE(SUM(j.weight), 0) FROM jobs j WHERE j.worker = w.name AND j.status = \(status: .running)) AS used_forks
            FROM workers w ORDER BY w.name
            """
        ).all()
        return try rows.map { base in
            let row = Row(base: base)
            let last: Double = try row["last_heartbeat"]
            var state = WorkerInfo.State(rawValue: try row["state"]) ?? .active
            if state != .stopped, last < cutoff { state = .lost }
            return WorkerInfo(
                name: try row["name"], host: try row["host"], capacity: try row["capacity"], state: state,
                startedAt: try row.time("started_at"), lastHeartbeat: Date(timeIntervalSince1970: last),
                runningJobs: try row["running"], groups: WorkerGroups.names(stored: try row["worker_groups"]),
                capacityForks: try row["capacity_forks"], usedForks: try row["used_forks"])
        }
    }
}
