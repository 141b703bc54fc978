public import Foundation
public import PlayhouseCore
import SQLKit

extension TemplateRepository {
    /// Stores a git project, or replaces the one of that name.
    ///
    /// `knownHosts` (checked as ``KnownHosts``) replaces its SSH host keys as an admin's,
    /// confirmed; empty text clears them, and nil keeps what it had.
    public func saveGitProject(
        name: String, url: String, branch: String, credentialID: Int64?, knownHosts: String? = nil, now: Date = Date()
    ) async throws -> GitProject {
        try GitProject.validate(name: name, url: url, branch: branch)
        let keys = try knownHosts.map { text throws(ValidationError) in try KnownHosts(validating: text).text }
        let time = now.timeIntervalSince1970
        let replacesKeys = keys == nil ? "" : ", known_hosts = excluded.known_hosts, known_hosts_confirmed = excluded.known_hosts_confirmed"
        let project = try await sql.raw(
            """
            INSERT INTO git_projects (name, url, branch, credential_id, known_hosts, known_hosts_confirmed, created_at, updated_at)
            VALUES (\(bind: name), \(bind: url), \(bind: branch), \(bind: credentialID), \(bind: keys ?? ""),
                    \(bind: keys?.isEmpty == false ? 1 : 0), \(bind: time), \(bind: time))
            ON CONFLICT (name) DO UPDATE SET url = excluded.url, branch = excluded.branch,
                credential_id = excluded.credential_id, updated_at = excluded.updated_at\(unsafeRaw: replacesKeys)
            RETURNING *
            """
        ).first(as: GitProject.self)
        guard let project else { throw StoreError(.invalid, "the database did not keep git project \(name)") }
        return project
    }

    /// Deletes a git project; false when there was none.
    public func deleteGitProject(named name: String) async throws -> Bool {
        try await sql.raw("DELETE FROM git_projects WHERE name = \(bind: name) RETURNING name").first() != nil
    }

    /// The git project of this name, or nil.
    public func gitProject(named name: String) async throws -> GitProject? {
        try await sql.raw("SELECT * FROM git_projects WHERE name = \(bind: name)").first(as: GitProject.self)
    }

    /// The git project `name`, unless a folder of `catalog` has that name: a folder wins.
    public func gitProject(named name: String, unlessFolderIn catalog: any ProjectFolders) async throws -> GitProject? {
        catalog.projects().contains(name) ? nil : try await gitProject(named: name)
    }

    /// Every git project, by name.
    public func gitProjects() async throws -> [GitProject] {
        try await sql.raw("SELECT * FROM git_projects ORDER BY name").all(as: GitProject.self)
    }
}
