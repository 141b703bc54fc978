import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/credentials`: secrets jobs can use. A secret goes in with a create or an
/// update and never comes out: every answer shows only the name, the kind, the names of
/// the fields set and a fingerprint.
struct CredentialRoutes: Sendable {
    let dependencies: ServerDependencies

    struct ListResponse: ResponseEncodable, Sendable {
        var credentials: [CredentialResponse]
    }

    func add(to group: RouterGroup<BasicRequestContext>) {
        group.get("credentials", use: list)
        group.post("credentials", use: create)
        group.get("credentials/:id", use: show)
        group.put("credentials/:id", use: update)
        group.delete("credentials/:id", use: delete)
    }

    @Sendable func list(_ request: Request, context: BasicRequestContext) async throws -> ListResponse {
        ListResponse(credentials: try await dependencies.store.credentials().map(CredentialResponse.init))
    }

    @Sendable func create(_ request: Request, context: BasicRequestContext) async throws -> EditedResponse<CredentialResponse> {
        let (name, kind, secret) = try await Self.decode(request)
        let credential = try await dependencies.store.createCredential(
            name: name, kind: kind, secret: secret, box: dependencies.secrets)
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/credentials/\(credential.id)"],
            response: CredentialResponse(credential))
    }

    @Sendable func show(_ request: Request, context: BasicRequestContext) async throws -> CredentialResponse {
        let id = try JobRoutes.id(context)
        guard let credential = try await dependencies.store.credential(id) else { throw APIError.notFound("credential \(id)") }
        return CredentialResponse(credential)
    }

    /// Replaces the whole credential, secret included: a secret is never read back, so an
    /// update always sends it again.
    @Sendable func update(_ request: Request, context: BasicRequestContext) async throws -> CredentialResponse {
        let id = try JobRoutes.id(context)
        let (name, kind, secret) = try await Self.decode(request)
        guard let credential = try await dependencies.store.updateCredential(
            id, name: name, kind: kind, secret: secret, box: dependencies.secrets)
        else { throw APIError.notFound("credential \(id)") }
        return CredentialResponse(credential)
    }

    @Sendable func delete(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard try await dependencies.store.deleteCredential(id) else { throw APIError.notFound("credential \(id)") }
        return Response(status: .noContent)
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
