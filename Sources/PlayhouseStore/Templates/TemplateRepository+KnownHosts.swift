public import PlayhouseCore
import SQLKit

/// A git project's SSH host keys: learned by its first clone over SSH, then confirmed or
/// cleared by an admin (who may also give them when saving the project).
extension TemplateRepository {
    /// Keeps the host keys a clone of git project `name` learned, unconfirmed, unless the
    /// project has keys by now (another run learned them first, or an admin gave some).
    /// True when they were kept.
    public func learnKnownHosts(_ knownHosts: KnownHosts, ofGitProject name: String) async throws -> Bool {
        guard !knownHosts.text.isEmpty else { return false }
        return try await sql.raw(
            """
            UPDATE git_projects SET known_hosts = \(bind: knownHosts.text), known_hosts_confirmed = 0
            WHERE name = \(bind: name) AND known_hosts = '' RETURNING name
            """
        ).first() != nil
    }

    /// Marks git project `name`'s host keys confirmed by an admin, if it has keys and they
    /// are still `seen` (the text the admin was shown; nil for whatever they are). Nil when
    /// there is no such project, or it has no keys, or others than `seen`.
    public func confirmKnownHosts(ofGitProject name: String, seen: String?) async throws -> GitProject? {
        try await sql.raw(
            """
            UPDATE git_projects SET known_hosts_confirmed = 1
            WHERE name = \(bind: name) AND known_hosts <> '' AND (\(bind: seen == nil ? 1 : 0) = 1 OR known_hosts = \(bind: seen ?? ""))
            RETURNING *
            """
        ).first(as: GitProject.self)
    }

    /// Forgets git project `name`'s host keys: its next clone over SSH learns them anew.
    /// Nil when there is no such project.
    public func clearKnownHosts(ofGitProject name: String) async throws -> GitProject? {
        try await sql.raw(
            "UPDATE git_projects SET known_hosts = '', known_hosts_confirmed = 0 WHERE name = \(bind: name) RETURNING *"
        ).first(as: GitProject.self)
    }
}
