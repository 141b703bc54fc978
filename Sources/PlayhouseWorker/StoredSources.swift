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
    /// from a checkout of its mirror that is removed again. A failure to clone is a
    /// `ValidationError` saying why.
    public func contents(of project: GitProject) async throws -> ProjectContents {
        do {
            let source = try await GitSource.of(project, store: store, secrets: secrets)
            return try await GitCheckout.contents(of: source, runsDirectory: resolver.runsDirectory)
        } catch let error as RunnerError {
            throw ValidationError(error.message)
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
    /// The git source of a stored project, with its credential opened.
    static func of(_ project: GitProject, store: Store, secrets: SecretBox) async throws -> GitSource {
        guard let id = project.credentialID else { return GitSource(url: project.url, branch: project.branch) }
        guard let credential = try await store.credentials.find(id),
            let secret = try await store.credentials.secret(id, box: secrets)
        else {
            throw RunnerError("the credential \(id) of git project \(project.name) does not exist (any more); edit the project")
        }
        let values = secret.values
        switch credential.kind {
        case .password:
            return GitSource(
                url: project.url, branch: project.branch,
                credential: .password(username: values["username"] ?? "", password: values["password"] ?? ""))
        case .token:
            return GitSource(
                url: project.url, branch: project.branch, credential: .password(username: "git", password: values["token"] ?? ""))
        case .ssh:
            return GitSource(
                url: project.url, branch: project.branch,
                credential: .sshKey(key: RunCredentials.normalizedKey(values["private_key"] ?? ""), passphrase: values["passphrase"]))
        case .become, .vault:
            throw RunnerError("git project \(project.name) needs a password, token or ssh credential, not \(credential.kind.rawValue)")
        }
    }
}
