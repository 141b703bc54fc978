public import Foundation
public import PlayhouseCore
import SQLKit

/// What each worker's mirror of each git project holds, as the workers record it after
/// every fetch, and the refreshes asked of them.
///
/// A refresh is asked of every worker at once by a time on the project
/// (``requestRefresh(of:now:)``, with a wake-up on ``Notifications/Channel/mirrors``); each
/// worker records the request it carried out, so one that missed the wake-up (stopped, or
/// the notification lost) finds it due at its next look (``refreshesDue(worker:)``).
public struct MirrorRepository: Repository {
    let store: Store

    /// The least time, in seconds, between two refresh requests of a project.
    static let requestStep = 0.001

    /// Whether project `p` has a refresh request that the worker of its mirror record `m`
    /// (none: a worker without one) has not carried out. The time a worker records comes back
    /// through `Date`, which may move it by a fraction of a microsecond: a request counts as
    /// carried out within half a ``requestStep`` of it.
    static var refreshIsDue: SQLQueryString {
        """
        p.refresh_requested_at IS NOT NULL
            AND (m.refreshed_for IS NULL OR m.refreshed_for < p.refresh_requested_at - \(bind: requestStep / 2))
        """
    }

    /// Records what `worker`'s mirror of `project` holds after a fetch; `refreshedFor` is
    /// the refresh request the fetch carried out, nil for a run's fetch.
    public func record(
        _ state: MirrorState, project: String, worker: String, refreshedFor: Date? = nil, now: Date = Date()
    ) async throws {
        try await sql.raw(
            """
            INSERT INTO git_mirrors (project, worker, branch, fetched_at, commit_sha, error, refreshed_for, recorded_at)
            VALUES (\(bind: project), \(bind: worker), \(bind: state.branch), \(bind: state.fetchedAt?.timeIntervalSince1970),
                    \(bind: state.commit), \(bind: state.error), \(bind: refreshedFor?.timeIntervalSince1970),
                    \(bind: now.timeIntervalSince1970))
            ON CONFLICT (project, worker) DO UPDATE SET branch = excluded.branch, fetched_at = excluded.fetched_at,
                commit_sha = excluded.commit_sha, error = excluded.error,
                refreshed_for = COALESCE(excluded.refreshed_for, git_mirrors.refreshed_for), recorded_at = excluded.recorded_at
            """
        ).run()
    }

    /// Records the requirements cache entries the last run of `project` on `worker` used
    /// (replacing those of the run before); nothing when the worker has no record of the
    /// project's mirror.
    public func record(requirements: [CachedRequirements], project: String, worker: String, now: Date = Date()) async throws {
        let entries = requirements.map { RequirementsColumn(key: $0.key, file: $0.file, installedAt: $0.installedAt.timeIntervalSince1970) }
        try await sql.raw(
            """
            UPDATE git_mirrors SET requirements = \(bind: JSONColumn.encode(entries)), recorded_at = \(bind: now.timeIntervalSince1970)
            WHERE project = \(bind: project) AND worker = \(bind: worker)
            """
        ).run()
    }

    /// Every worker's record of `project`'s mirror, by worker name.
    public func records(of project: String) async throws -> [MirrorRecord] {
        try await sql.raw(
            """
            SELECT m.*, CASE WHEN \(Self.refreshIsDue) THEN 1 ELSE 0 END AS refresh_pending
            FROM git_mirrors m JOIN git_projects p ON p.name = m.project
            WHERE m.project = \(bind: project) ORDER BY m.worker
            """
        ).all(as: MirrorRecord.self)
    }

    /// Forgets what a worker that stopped recorded: its mirrors serve no runs any more, and a
    /// worker that comes back records them again at its first fetch.
    public func forget(worker: String) async throws {
        try await sql.raw("DELETE FROM git_mirrors WHERE worker = \(bind: worker)").run()
    }

    /// Forgets what the workers recorded of `project`'s mirrors: it clones another
    /// repository or branch now, and each worker records its mirror again at its next fetch.
    public func forget(project: String) async throws {
        try await sql.raw("DELETE FROM git_mirrors WHERE project = \(bind: project)").run()
    }

    /// Asks every worker to fetch its mirror of git project `project` now, and wakes them.
    /// Each request is at least ``requestStep`` later than the one before, also between
    /// servers whose clocks differ, so a new one is never taken for one carried out.
    ///
    /// - Returns: The request's time; nil when there is no git project of that name.
    public func requestRefresh(of project: String, now: Date = Date()) async throws -> Date? {
        let time = now.timeIntervalSince1970
        let requested = try await sql.raw(
            """
            UPDATE git_projects SET refresh_requested_at = CASE
                WHEN refresh_requested_at IS NOT NULL AND refresh_requested_at + \(bind: Self.requestStep) > \(bind: time)
                THEN refresh_requested_at + \(bind: Self.requestStep)
                ELSE \(bind: time) END
            WHERE name = \(bind: project)
            RETURNING refresh_requested_at
            """
        ).first(decodingColumn: "refresh_requested_at", as: Double.self)
        guard let requested else { return nil }
        await store.announce(.mirrors)
        return Date(timeIntervalSince1970: requested)
    }

    /// When a refresh of `project` was last asked for; nil when never, or when there is no
    /// git project of that name.
    public func refreshRequested(of project: String) async throws -> Date? {
        try await sql.raw("SELECT refresh_requested_at FROM git_projects WHERE name = \(bind: project)")
            .first(decodingColumn: "refresh_requested_at", as: Double?.self)?
            .map { Date(timeIntervalSince1970: $0) }
    }

    /// The git projects whose latest refresh request `worker` has not carried out, with the
    /// request's time to record once it has, by name.
    public func refreshesDue(worker: String) async throws -> [(project: String, requestedAt: Date)] {
        let rows = try await sql.raw(
            """
            SELECT p.name, p.refresh_requested_at FROM git_projects p
            LEFT JOIN git_mirrors m ON m.project = p.name AND m.worker = \(bind: worker)
            WHERE \(Self.refreshIsDue)
            ORDER BY p.name
            """
        ).all()
        return try rows.map { base in
            let row = Row(base: base)
            return (try row["name"], try row.time("refresh_requested_at"))
        }
    }
}

/// One requirements cache entry as the `requirements` column keeps it.
private struct RequirementsColumn: Codable {
    var key: String
    var file: String
    var installedAt: Double

    enum CodingKeys: String, CodingKey {
        case key, file
        case installedAt = "installed_at"
    }
}

extension MirrorRecord: RowDecodable {
    init(row: Row) throws {
        let entries: [RequirementsColumn] = try row.json("requirements")
        self.init(
            project: try row["project"], worker: try row["worker"],
            state: MirrorState(
                branch: try row["branch"], fetchedAt: try row.date("fetched_at"), commit: try row["commit_sha"], error: try row["error"]),
            requirements: entries.map {
                CachedRequirements(key: $0.key, file: $0.file, installedAt: Date(timeIntervalSince1970: $0.installedAt))
            },
            refreshPending: try row.flag("refresh_pending"), recordedAt: try row.time("recorded_at"))
    }
}
