import Crypto
import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// A git project's SSH host keys: its first clone over SSH trusts the keys it sees and keeps
/// them unconfirmed; an admin confirms them, or clears them for the next clone to learn anew.
extension ProjectRoutes {
    /// One key of a project's known hosts, as the API shows it.
    struct HostKey: Encodable, Sendable {
        /// The hosts as the line names them (`git.example.com`, `[127.0.0.1]:2222`).
        var hosts: String
        var type: String
        /// `SHA256:` and the base64 of the key's SHA-256, as `ssh` and `ssh-keygen -l` print it.
        var fingerprint: String

        init(_ key: KnownHosts.Key) {
            hosts = key.hosts
            type = key.type
            fingerprint = "SHA256:" + Data(SHA256.hash(data: key.blob)).base64EncodedString().replacing("=", with: "")
        }
    }

    /// `{"known_hosts"}` (optional): the keys the admin was shown, so that keys learned
    /// anew in between are not confirmed unseen.
    struct KnownHostsConfirmation: EmptyBodyDecodable {
        var knownHosts: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case knownHosts = "known_hosts"
        }
    }

    /// Confirms the keys a first clone learned: they become the admin's.
    @Sendable func confirmKnownHosts(_ request: Request, context: PlayhouseContext) async throws -> Project {
        let name = context.parameters.get("name") ?? ""
        let body = try await request.decode(as: KnownHostsConfirmation.self, context: context)
        let seen = try body.knownHosts.map { text throws(ValidationError) in try KnownHosts(validating: text).text }
        let templates = dependencies.store.templates
        guard let project = try await templates.gitProject(named: name) else { throw APIError.notFound("git project \"\(name)\"") }
        guard !project.knownHosts.isEmpty else {
            throw APIError(
                .conflict, "git project \"\(name)\" has no known hosts to confirm",
                detail: "its next clone over SSH learns them, or give them as known_hosts with POST /api/v1/projects")
        }
        guard let confirmed = try await templates.confirmKnownHosts(ofGitProject: name, seen: seen) else {
            throw APIError(
                .conflict, "the known hosts of git project \"\(name)\" changed since they were read",
                detail: "read them again (GET /api/v1/projects) and confirm what you see")
        }
        await dependencies.audit(context, .projectKnownHostsConfirm, target: "project \(name)", detail: Self.summary(of: confirmed))
        return Project(confirmed)
    }

    /// Forgets the keys: the next clone over SSH trusts the ones it sees, unconfirmed.
    @Sendable func clearKnownHosts(_ request: Request, context: PlayhouseContext) async throws -> Project {
        let name = context.parameters.get("name") ?? ""
        guard let before = try await dependencies.store.templates.gitProject(named: name),
            let cleared = try await dependencies.store.templates.clearKnownHosts(ofGitProject: name)
        else { throw APIError.notFound("git project \"\(name)\"") }
        await dependencies.audit(context, .projectKnownHostsClear, target: "project \(name)", detail: "was: " + Self.summary(of: before))
        return Project(cleared)
    }

    /// The keys in one line for the audit log: host, type and fingerprint of each.
    static func summary(of project: GitProject) -> String {
        let keys = Project(project).hostKeys ?? []
        return keys.isEmpty ? "none" : keys.map { "\($0.hosts) \($0.type) \($0.fingerprint)" }.joined(separator: ", ")
    }
}
