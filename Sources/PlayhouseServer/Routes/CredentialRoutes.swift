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
        read.collection("credentials", list: .init(list), show: .init(show))
        admin.collection("credentials", create: .init(create), update: .init(update), delete: .init(delete))
    }

    /// The credentials the caller's grants reach.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<CredentialResponse> {
        let access = try context.requireUser().access
        let credentials = try await dependencies.store.credentials.list().filter { access.allows(credential: $0.id) }
        return RecordKind.credential.list(credentials.map(CredentialResponse.init))
    }

    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<CredentialResponse> {
        let (name, kind, secret) = try await Self.decode(request, context: context)
        let credential = try await dependencies.store.credentials.create(
            name: name, kind: kind, secret: secret, box: dependencies.secrets)
        await dependencies.audit(
            context, .credentialCreate, target: RecordKind.credential.target(credential.id, name), detail: kind.rawValue)
        return RecordKind.credential.created(CredentialResponse(credential), id: credential.id)
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> CredentialResponse {
        let id = try JobRoutes.id(context)
        guard try context.requireUser().access.allows(credential: id) else { throw RecordKind.credential.notFound(id) }
        return CredentialResponse(try RecordKind.credential.found(try await dependencies.store.credentials.find(id), id))
    }

    /// Replaces the whole credential, secret included: a secret is never read back, so an
    /// update always sends it again.
    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> CredentialResponse {
        let id = try JobRoutes.id(context)
        let (name, kind, secret) = try await Self.decode(request, context: context)
        let credential = try RecordKind.credential.found(
            try await dependencies.store.credentials.update(id, name: name, kind: kind, secret: secret, box: dependencies.secrets), id)
        await dependencies.audit(context, .credentialUpdate, target: RecordKind.credential.target(id, name), detail: "secret replaced")
        return CredentialResponse(credential)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await dependencies.delete(.credential, context, audit: .credentialDelete, remove: dependencies.store.credentials.delete)
    }

    /// The credential in the body: its name, kind and secret.
    static func decode(_ request: Request, context: PlayhouseContext) async throws -> (String, Credential.Kind, CredentialSecret) {
        let body = try await request.decode(as: CredentialRequest.self, context: context)
        return (body.name, body.kind, body.secret)
    }
}
