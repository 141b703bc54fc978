import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/credentials`: secrets jobs can use. A secret goes in with a create or an
/// update and never comes out: every answer shows only the name, the kind, the names of
/// the fields set and a fingerprint.
struct CredentialRoutes: Sendable {
    let dependencies: ServerDependencies

    func add(read: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.get("credentials", use: list)
        read.get("credentials/:id", use: show)
        admin.post("credentials", use: create)
        admin.put("credentials/:id", use: update)
        admin.delete("credentials/:id", use: delete)
    }

    /// The credentials the caller's grants reach.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<CredentialResponse> {
        let access = try context.requireUser().access
        let credentials = try await dependencies.store.credentials().filter { access.allows(credential: $0.id) }
        return ListResponse(key: "credentials", items: credentials.map(CredentialResponse.init))
    }

    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<CredentialResponse> {
        let (name, kind, secret) = try await Self.decode(request)
        let credential = try await dependencies.store.createCredential(
            name: name, kind: kind, secret: secret, box: dependencies.secrets)
        await dependencies.audit(context, "credential.create", target: "credential \(credential.id) \(name)", detail: kind.rawValue)
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/credentials/\(credential.id)"],
            response: CredentialResponse(credential))
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> CredentialResponse {
        let id = try JobRoutes.id(context)
        guard try context.requireUser().access.allows(credential: id),
              let credential = try await dependencies.store.credential(id) else { throw APIError.notFound("credential \(id)") }
        return CredentialResponse(credential)
    }

    /// Replaces the whole credential, secret included: a secret is never read back, so an
    /// update always sends it again.
    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> CredentialResponse {
        let id = try JobRoutes.id(context)
        let (name, kind, secret) = try await Self.decode(request)
        guard let credential = try await dependencies.store.updateCredential(
            id, name: name, kind: kind, secret: secret, box: dependencies.secrets)
        else { throw APIError.notFound("credential \(id)") }
        await dependencies.audit(context, "credential.update", target: "credential \(id) \(name)", detail: "secret replaced")
        return CredentialResponse(credential)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard try await dependencies.store.deleteCredential(id) else { throw APIError.notFound("credential \(id)") }
        await dependencies.audit(context, "credential.delete", target: "credential \(id)")
        return Response(status: .noContent)
    }

    /// The credential a request names by id; a 400 when there is none.
    static func named(_ id: Int64, in store: Store) async throws -> Credential {
        guard let credential = try await store.credential(id) else {
            throw APIError(.badRequest, "credential \(id) does not exist", detail: "list credentials with GET /api/v1/credentials")
        }
        return credential
    }

    /// `{"name", "kind", …the kind's secret fields}`; every field is a string.
    static func decode(_ request: Request) async throws -> (String, Credential.Kind, CredentialSecret) {
        let allFields = Set(Credential.Kind.allCases.flatMap { $0.fields.required + $0.fields.optional })
        let members = try await RequestBody.object(request, allowed: allFields.union(["name", "kind"]))
        let name = (try RequestBody.string(members, "name", required: true) ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else {
            throw APIError(.badRequest, "name must be 1 to 200 characters")
        }
        let kindText = try RequestBody.string(members, "kind", required: true) ?? ""
        guard let kind = Credential.Kind(rawValue: kindText) else {
            throw APIError(
                .badRequest, "kind must be one of \(Credential.Kind.allCases.map(\.rawValue).joined(separator: ", "))",
                detail: "got \"\(kindText)\"")
        }
        var values: [String: String] = [:]
        for field in members.keys where field != "name" && field != "kind" {
            values[field] = try RequestBody.string(members, field)
        }
        let secret = CredentialSecret(values)
        try secret.validate(for: kind)
        return (name, kind, secret)
    }
}
