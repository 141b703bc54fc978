public import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore

/// Inventories and git projects as the store keeps them, turned into what the engine runs:
/// credentials opened with the server's key, HTTP inventories fetched as the launcher.
public struct StoredSources: Sendable {
    public let resolver: InventoryResolver
    public let store: Store
    public let secrets: SecretBox

    public init(resolver: InventoryResolver, store: Store, secrets: SecretBox) {
        self.resolver = resolver
        self.store = store
        self.secrets = secrets
    }

    /// Resolves a launch's inventory reference as `launcher` would see it.
    public func resolve(
        _ reference: ResolvedInventory, launcher: Launcher?, environment: [String: String], limit: String?
    ) async throws -> JSONValue {
        let source: InventorySource
        switch reference {
        case .stored(let inventory):
            source = try await Self.source(of: inventory, launcher: launcher, store: store, secrets: secrets)
        case .file(let path): source = .path(path)
        }
        return try await resolver.resolve(source, environment: environment.merging(launcher?.environment ?? [:]) { $1 }, limit: limit)
    }

    /// What a git project holds, for the launch form: its playbooks and inventory files,
    /// from a checkout of its mirror that is removed again. The SSH host keys a first clone
    /// trusted are kept on the project, as a run keeps them. A failure to clone is a
    /// `ValidationError` saying why.
    public func contents(of project: GitProject) async throws -> ProjectContents {
        do {
            let source = try await GitSource.of(project, store: store, secrets: secrets)
            let (contents, learned) = try await GitCheckout.contents(of: source, runsDirectory: resolver.runsDirectory)
            if let learned { try await store.keepLearned(learned, ofGitProject: project.name, by: "a listing of its playbooks") }
            return contents
        } catch let error as RunnerError {
            throw ValidationError(error.message)
        } catch let refusal as HostKeyRefusal {
            throw ValidationError(refusal.message(forGitProject: project.name))
        }
    }

    /// What Ansible reads for a stored inventory: its text, its script, or what its URL answers.
    static func source(of inventory: Inventory, launcher: Launcher?, store: Store, secrets: SecretBox) async throws -> InventorySource {
        switch inventory.kind {
        case .static: .text(inventory.content)
        case .script: .script(inventory.content)
        case .http: .json(try await HTTPInventory.fetch(inventory, launcher: launcher, store: store, secrets: secrets))
        }
    }
}

extension GitSource {
    /// The git source of a stored project, with its credential opened and its known hosts.
    static func of(_ project: GitProject, store: Store, secrets: SecretBox) async throws -> GitSource {
        GitSource(
            url: project.url, branch: project.branch, credential: try await credential(of: project, store: store, secrets: secrets),
            knownHosts: project.knownHosts.isEmpty ? nil : project.knownHosts)
    }

    /// How a stored project's clone authenticates: its credential, opened; nil for none.
    private static func credential(of project: GitProject, store: Store, secrets: SecretBox) async throws -> Credential? {
        guard let id = project.credentialID else { return nil }
        guard let credential = try await store.credentials.find(id),
            let secret = try await store.credentials.secret(id, box: secrets)
        else {
            throw RunnerError("the credential \(id) of git project \(project.name) does not exist (any more); edit the project")
        }
        let values = secret.values
        switch credential.kind {
        case .password: return .password(username: values["username"] ?? "", password: values["password"] ?? "")
        case .token: return .password(username: "git", password: values["token"] ?? "")
        case .ssh: return .sshKey(key: RunCredentials.normalizedKey(values["private_key"] ?? ""), passphrase: values["passphrase"])
        case .become, .vault:
            throw RunnerError("git project \(project.name) needs a password, token or ssh credential, not \(credential.kind.rawValue)")
        }
    }
}

extension HostKeyRefusal {
    /// What happened, and what an admin of git project `name` can do about it.
    func message(forGitProject name: String) -> String {
        "\(problem). If the server's key is right (check its fingerprint with the server's admin), an admin gives git project "
            + "\(name) that key (known_hosts of POST /api/v1/projects, as `ssh-keyscan` prints it) or clears its known hosts "
            + "(Clear on the Projects page, or DELETE /api/v1/projects/\(name)/known-hosts) so that the next run trusts the key it sees"
    }
}

extension Store {
    /// Keeps the SSH host keys a first clone of git project `name` trusted, unconfirmed,
    /// and says so in the audit log; `by` names the clone (`job 7`).
    func keepLearned(_ text: String, ofGitProject name: String, by clone: String) async throws {
        guard let keys = try? KnownHosts(validating: text),
            try await templates.learnKnownHosts(keys, ofGitProject: name)
        else { return }
        let hosts = keys.keys.map { "\($0.hosts) \($0.type)" }.joined(separator: ", ")
        try await users.recordAudit(
            AuditEntry(
                actor: nil, action: .projectKnownHostsLearn, target: "project \(name)",
                detail: "\(clone) trusted the SSH host keys it first saw, unconfirmed: \(hosts)"))
    }
}
