import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/inventories`: stored inventories and the hosts they resolve to.
struct InventoryRoutes: Sendable {
    let dependencies: ServerDependencies
    static let fields: Set<String> = ["name", "kind", "content", "credential", "timeout"]

    func add(read: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.get("inventories", use: list)
        read.get("inventories/:id", use: show)
        read.get("inventories/:id/hosts", use: hosts)
        admin.post("inventories", use: create)
        admin.put("inventories/:id", use: update)
        admin.delete("inventories/:id", use: delete)
    }

    /// The inventories the caller's grants reach.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<InventoryResponse> {
        let access = try context.requireUser().access
        let inventories = try await dependencies.store.inventories().filter { access.allows(inventory: $0.id) }
        return ListResponse(key: "inventories", items: inventories.map(InventoryResponse.init))
    }

    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<InventoryResponse> {
        let fields = try await decode(request)
        let inventory = try await dependencies.store.createInventory(
            name: fields.name, kind: fields.kind, content: fields.content, credentialID: fields.credential, timeout: fields.timeout)
        let name = fields.name
        await dependencies.audit(context, "inventory.create", target: "inventory \(inventory.id) \(name)")
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/inventories/\(inventory.id)"],
            response: InventoryResponse(inventory))
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> InventoryResponse {
        InventoryResponse(try await inventory(context))
    }

    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> InventoryResponse {
        let id = try JobRoutes.id(context)
        let fields = try await decode(request)
        let name = fields.name
        guard let inventory = try await dependencies.store.updateInventory(
            id, name: name, kind: fields.kind, content: fields.content, credentialID: fields.credential, timeout: fields.timeout)
        else {
            throw APIError.notFound("inventory \(id)")
        }
        await dependencies.audit(context, "inventory.update", target: "inventory \(id) \(name)")
        return InventoryResponse(inventory)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard try await dependencies.store.deleteInventory(id) else { throw APIError.notFound("inventory \(id)") }
        await dependencies.audit(context, "inventory.delete", target: "inventory \(id)")
        return Response(status: .noContent)
    }

    /// Viewers set no environment; operators only names some project or template
    /// declares for launchers (the same names they could launch with).
    private func checkEnvironment(_ environment: [String: String], for identity: Identity) async throws {
        guard !environment.isEmpty, identity.user.role < .admin else { return }
        guard identity.user.role >= .operator else {
            throw APIError(.forbidden, "setting env needs the operator role", detail: "\(identity.user.name) is a \(identity.user.role.rawValue)")
        }
        var declared = Set<String>()
        for template in try await dependencies.store.templates() { declared.formUnion(template.definition.allowedEnv) }
        for project in dependencies.catalog.projects() {
            declared.formUnion((try? dependencies.catalog.declaredEnvironment(of: project)) ?? [])
        }
        try LaunchValues.checkLauncherEnvironment(environment.keys, declared: declared)
    }

    /// The inventory as `ansible-inventory --list` sees it when the caller launches; query
    /// parameters `env.NAME=value` set the environment a dynamic inventory script gets.
    @Sendable func hosts(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let inventory = try await inventory(context)
        let user = try context.requireUser().user
        var environment: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where key.hasPrefix("env.") {
            let name = String(key.dropFirst(4))
            try JobParameters.checkAllowedEnvironmentName(name)
            environment[name] = String(value)
        }
        try await checkEnvironment(environment, for: try context.requireUser())
        let resolved: JSONValue
        do {
            resolved = try await dependencies.work.withPermit(user: user.name, kind: .inventoryResolution) {
                try await dependencies.resolveHosts(.stored(inventory), Launcher(user: user.name, teams: user.teams), environment, nil)
            }
        } catch let error as ValidationError {
            throw APIError(.unprocessableContent, "the inventory could not be resolved", detail: error.message)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: resolved.jsonString())))
    }

    /// The inventory in the path, if the caller's grants reach it (else it is not found).
    private func inventory(_ context: PlayhouseContext) async throws -> Inventory {
        let id = try JobRoutes.id(context)
        guard try context.requireUser().access.allows(inventory: id),
              let inventory = try await dependencies.store.inventory(id) else { throw APIError.notFound("inventory \(id)") }
        return inventory
    }

    /// `{"name", "kind": "static"|"script"|"http", "content", "credential", "timeout"}`:
    /// for `http`, `content` is the URL, `credential` a token or password credential for
    /// its auth header, `timeout` seconds to wait for it.
    func decode(_ request: Request) async throws -> (name: String, kind: Inventory.Kind, content: String, credential: Int64?, timeout: Double?) {
        let members = try await RequestBody.object(request, allowed: Self.fields)
        let name = (try RequestBody.string(members, "name", required: true) ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else {
            throw APIError(.badRequest, "name must be 1 to 200 characters")
        }
        let kindText = try RequestBody.string(members, "kind") ?? "static"
        guard let kind = Inventory.Kind(rawValue: kindText) else {
            throw APIError(.badRequest, "kind must be \"static\", \"script\" or \"http\", got \"\(kindText)\"")
        }
        let content = try RequestBody.string(members, "content", required: true) ?? ""
        if kind == .script, !content.hasPrefix("#!") {
            throw APIError(.badRequest, "a script inventory must start with a #! line",
                           detail: "for example #!/usr/bin/env python3; Ansible runs it with --list")
        }
        let credential = try RequestBody.ids(members, "credential", single: true)?.first
        let timeout = try RequestBody.number(members, "timeout")
        guard kind == .http || (credential == nil && timeout == nil) else {
            throw APIError(.badRequest, "credential and timeout are for http inventories")
        }
        if kind == .http {
            guard let url = URL(string: content), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw APIError(.badRequest, "an http inventory's content must be an http:// or https:// URL", detail: "got \"\(content)\"")
            }
            if let timeout, !(timeout > 0 && timeout <= 300) {
                throw APIError(.badRequest, "timeout must be a number of seconds above 0 and at most 300")
            }
            if let credential {
                let stored = try await CredentialRoutes.named(credential, in: dependencies.store)
                guard stored.kind == .token || stored.kind == .password else {
                    throw APIError(.badRequest, "an http inventory authenticates with a token or password credential, not \(stored.kind.rawValue)")
                }
            }
        }
        return (name, kind, content, credential, timeout)
    }
}
