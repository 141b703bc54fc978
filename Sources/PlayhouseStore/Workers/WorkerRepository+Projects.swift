import PlayhouseCore
import SQLKit

extension WorkerRepository {
    /// The worker groups the jobs of `project` (a folder or a git project, by name) run on,
    /// unless their template or inventory names some; none: any.
    public func groups(ofProject project: String) async throws -> [String] {
        let stored = try await sql.raw("SELECT worker_groups FROM project_worker_groups WHERE project = \(bind: project)")
            .first(decodingColumn: "worker_groups", as: String.self)
        return WorkerGroups.names(stored: stored ?? "")
    }

    /// Sets the worker groups of `project`'s jobs; none: any.
    public func setGroups(_ groups: [String], ofProject project: String) async throws {
        guard !groups.isEmpty else {
            try await sql.raw("DELETE FROM project_worker_groups WHERE project = \(bind: project)").run()
            return
        }
        try await sql.raw(
            """
            INSERT INTO project_worker_groups (project, worker_groups) VALUES (\(bind: project), \(bind: WorkerGroups.stored(groups)))
            ON CONFLICT (project) DO UPDATE SET worker_groups = excluded.worker_groups
            """
        ).run()
    }
}
