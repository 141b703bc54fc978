import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/inventories`: stored inventories and the hosts they resolve to.
struct InventoryRoutes: Sendable {
    let dependencies: ServerDependencies
    static let fields: Set<String> = ["name", "kind", "content"]

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
        let (name, kind, content) = try await Self.decode(request)
        let inventory = try await dependencies.store.createInventory(name: name, kind: kind, content: content)
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
        let (name, kind, content) = try await Self.decode(request)
        guard let inventory = try await dependencies.store.updateInventory(id, name: name, kind: kind, content: content) else {
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

    /// The inventory as `ansible-inventory --list` sees it; query parameters `env.NAME=value`
    /// set the environment a dynamic inventory script gets.
    @Sendable func hosts(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let inventory = try await inventory(context)
        var environment: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where key.hasPrefix("env.") {
            let name = String(key.dropFirst(4))
            guard JobParameters.isValidEnvironmentName(name), !name.hasPrefix("PLAYHOUSE_") else {
                throw APIError(.badRequest, "env name \"\(name)\" is not valid", detail: "use capital letters, digits and _")
            }
            environment[name] = String(value)
        }
        let resolved: JSONValue
        do {
            resolved = try await dependencies.resolveHosts(.stored(inventory), environment, nil)
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

    static func decode(_ request: Request) async throws -> (String, Inventory.Kind, String) {
        let members = try await RequestBody.object(request, allowed: fields)
        let name = (try RequestBody.string(members, "name", required: true) ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else {
            throw APIError(.badRequest, "name must be 1 to 200 characters")
        }
        let kindText = try RequestBody.string(members, "kind") ?? "static"
        guard let kind = Inventory.Kind(rawValue: kindText) else {
            throw APIError(.badRequest, "kind must be \"static\" or \"script\", got \"\(kindText)\"")
        }
        let content = try RequestBody.string(members, "content", required: true) ?? ""
        if kind == .script, !content.hasPrefix("#!") {
            throw APIError(.badRequest, "a script inventory must start with a #! line",
                           detail: "for example #!/usr/bin/env python3; Ansible runs it with --list")
        }
        return (name, kind, content)
    }
}
