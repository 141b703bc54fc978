import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/inventories`: stored inventories and the hosts they resolve to.
struct InventoryRoutes: Sendable {
    let dependencies: ServerDependencies

    func add(read: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.collection("inventories", list: .init(list), show: .init(show))
        read.get("inventories/:id/hosts", use: hosts)
        admin.collection("inventories", create: .init(create), update: .init(update), delete: .init(delete))
    }

    /// The inventories the caller's grants reach.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<InventoryResponse> {
        let access = try context.requireUser().access
        let inventories = try await dependencies.store.inventories.list().filter { access.allows(inventory: $0.id) }
        return RecordKind.inventory.list(inventories.map(InventoryResponse.init))
    }

    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<InventoryResponse> {
        let fields = try await decode(request, context: context)
        let inventory = try await dependencies.store.inventories.create(
            name: fields.name, kind: fields.kind, content: fields.content, credentialID: fields.credential, timeout: fields.timeout,
            workerGroups: fields.workerGroups)
        await dependencies.audit(context, .inventoryCreate, target: RecordKind.inventory.target(inventory.id, fields.name))
        return RecordKind.inventory.created(InventoryResponse(inventory), id: inventory.id)
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> InventoryResponse {
        InventoryResponse(try await inventory(context))
    }

    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> InventoryResponse {
        let id = try JobRoutes.id(context)
        let fields = try await decode(request, context: context)
        let updated = try await dependencies.store.inventories.update(
            id, name: fields.name, kind: fields.kind, content: fields.content, credentialID: fields.credential, timeout: fields.timeout,
            workerGroups: fields.workerGroups)
        let inventory = try RecordKind.inventory.found(updated, id)
        await dependencies.audit(context, .inventoryUpdate, target: RecordKind.inventory.target(id, fields.name))
        return InventoryResponse(inventory)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await dependencies.delete(.inventory, context, audit: .inventoryDelete, remove: dependencies.store.inventories.delete)
    }

    /// Viewers set no environment; operators only names some project or template
    /// declares for launchers (the same names they could launch with).
    private func checkEnvironment(_ environment: [String: String], for identity: Identity) async throws {
        guard !environment.isEmpty, identity.user.role < .admin else { return }
        guard identity.user.role >= .operator else {
            throw APIError(
                .forbidden, "setting env needs the operator role", detail: "\(identity.user.name) is a \(identity.user.role.rawValue)")
        }
        var declared = Set<String>()
        for template in try await dependencies.store.templates.list() { declared.formUnion(template.definition.allowedEnv) }
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
        guard try context.requireUser().access.allows(inventory: id) else { throw RecordKind.inventory.notFound(id) }
        return try RecordKind.inventory.found(try await dependencies.store.inventories.find(id), id)
    }

    /// The inventory in the body; an http one's credential must be a token or a password.
    func decode(_ request: Request, context: PlayhouseContext) async throws -> InventoryRequest {
        let body = try await request.decode(as: InventoryRequest.self, context: context)
        if let credential = body.credential {
            let stored = try await dependencies.store.namedCredential(credential)
            guard stored.kind == .token || stored.kind == .password else {
                throw APIError(
                    .badRequest, "an http inventory authenticates with a token or password credential, not \(stored.kind.rawValue)")
            }
        }
        return body
    }
}
