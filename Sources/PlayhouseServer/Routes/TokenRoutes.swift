import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/tokens`: API tokens for scripts and CI. Everyone manages their own; admins
/// see and revoke everyone's, and may make one for another user.
struct TokenRoutes: Sendable {
    let dependencies: ServerDependencies
    /// Emptied when a token is revoked, so it stops working on the next request.
    let identities: IdentityCache
    var store: Store { dependencies.store }

    func add(signedIn: RouterGroup<PlayhouseContext>) {
        signedIn.collection("tokens", list: .init(list), create: .init(create), delete: .init(delete))
    }

    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<TokenResponse> {
        let user = try context.requireUser().user
        let tokens = try await store.users.tokens(userID: user.role == .admin ? nil : user.id)
        return RecordKind.token.list(tokens.map { TokenResponse($0) })
    }

    /// `{"name", "expires": "30d"|"12h"|"2026-12-31", "user": NAME (admins)}`: the answer holds
    /// the token, once.
    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<TokenResponse> {
        let caller = try context.requireUser().user
        let body = try await request.decode(as: TokenRequest.self, context: context)
        let (name, expires) = (body.name, body.expires)
        var owner = caller
        if let other = body.user, other != caller.name {
            guard caller.role == .admin else { throw APIError(.forbidden, "only admins make tokens for other users") }
            guard let user = try await store.users.named(other) else { throw APIError(.badRequest, "there is no user named \"\(other)\"") }
            owner = user
        }
        let (token, secret) = try await store.users.createToken(userID: owner.id, name: name, expiresAt: expires)
        await dependencies.audit(context, .tokenCreate, target: "user \(owner.name)", detail: "token \(token.id) \"\(name)\"")
        return EditedResponse(status: .created, response: TokenResponse(token, secret: secret))
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let user = try context.requireUser().user
        let id = try JobRoutes.id(context)
        guard try await store.users.deleteToken(id, userID: user.role == .admin ? nil : user.id) else {
            throw RecordKind.token.notFound(id)
        }
        identities.clear()
        await dependencies.audit(context, .tokenDelete, detail: "token \(id)")
        return Response(status: .noContent)
    }
}
