public import Foundation
public import PlayhouseCore
import SQLKit

extension TemplateRepository {
    /// Gives git project `project` a forge hook with a new secret, replacing any earlier
    /// hook (and its secret). The secret is returned to be shown once, and stored sealed by
    /// `box`. Nil when there is no git project of that name.
    public func createProjectForgeHook(
        project: String, createdBy: String, box: SecretBox, now: Date = Date()
    ) async throws -> (hook: ProjectForgeHook, secret: String)? {
        let secret = "phf_" + Token.random()
        let hook = try await sql.raw(
            """
            INSERT INTO project_forge_hooks (project, secret_sealed, created_by, created_at)
            SELECT name, \(bind: try box.seal(Data(secret.utf8))), \(bind: createdBy), \(bind: now.timeIntervalSince1970)
            FROM git_projects WHERE name = \(bind: project)
            ON CONFLICT (project) DO UPDATE SET secret_sealed = excluded.secret_sealed, created_by = excluded.created_by,
                created_at = excluded.created_at
            RETURNING *
            """
        ).first(as: ProjectForgeHook.self)
        return hook.map { ($0, secret) }
    }

    /// The git project's forge hook, or nil.
    public func projectForgeHook(of project: String) async throws -> ProjectForgeHook? {
        try await sql.raw("SELECT * FROM project_forge_hooks WHERE project = \(bind: project)").first(as: ProjectForgeHook.self)
    }

    /// Deletes the git project's forge hook; false when there was none.
    public func deleteProjectForgeHook(of project: String) async throws -> Bool {
        try await sql.raw("DELETE FROM project_forge_hooks WHERE project = \(bind: project) RETURNING project").first() != nil
    }
}

extension ProjectForgeHook: RowDecodable {
    init(row: Row) throws {
        self.init(
            project: try row["project"], sealedSecret: try row["secret_sealed"], createdBy: try row["created_by"],
            createdAt: try row.time("created_at"))
    }
}
