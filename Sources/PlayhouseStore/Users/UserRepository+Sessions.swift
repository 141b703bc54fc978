public import Foundation
public import PlayhouseCore
import SQLKit

extension UserRepository {
    /// Starts a session: the cookie value (shown once, stored as a hash) and its CSRF token.
    /// A session begun at a provider keeps which one, and its ID token, sealed.
    public func createSession(
        userID: Int64, lifetime: Duration, signOn: SessionSignOn? = nil, now: Date = Date()
    ) async throws -> (token: String, csrf: String) {
        let token = Token.random()
        let csrf = Token.random()
        let expires = now.addingTimeInterval(lifetime.inSeconds)
        try await store.withTransaction { store in
            // Sessions that ended go as new ones come, so the table does not grow without bound.
            try await store.sql.raw("DELETE FROM sessions WHERE expires_at < \(bind: now.timeIntervalSince1970)").run()
            try await store.sql.raw(
                """
                INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, sso_provider, id_token_sealed)
                VALUES (\(bind: Token.digest(token)), \(bind: userID), \(bind: csrf), \(bind: now.timeIntervalSince1970),
                        \(bind: expires.timeIntervalSince1970), \(bind: signOn?.provider), \(bind: signOn?.idTokenSealed))
                """
            ).run()
        }
        return (token, csrf)
    }

    /// The user and CSRF token of a live session, and the provider it was begun at, if any.
    public func session(token: String, now: Date = Date()) async throws -> (user: User, csrf: String, provider: String?)? {
        guard
            let row = try await sql.raw(
                """
                SELECT user_id, csrf_token, sso_provider FROM sessions
                WHERE token_hash = \(bind: Token.digest(token)) AND expires_at > \(bind: now.timeIntervalSince1970)
                """
            ).first(),
            let user = try await find(try row.decode(column: "user_id", as: Int64.self))
        else { return nil }
        return (user, try row.decode(column: "csrf_token", as: String.self), try row.decode(column: "sso_provider", as: String?.self))
    }

    /// Ends the session of this cookie value (signing out); for a session begun at a
    /// provider, says which, so that its session can end too.
    @discardableResult
    public func deleteSession(token: String) async throws -> SessionSignOn? {
        let row = try await sql.raw(
            "DELETE FROM sessions WHERE token_hash = \(bind: Token.digest(token)) RETURNING sso_provider, id_token_sealed"
        ).first()
        guard let row, let provider = try row.decode(column: "sso_provider", as: String?.self) else { return nil }
        return SessionSignOn(provider: provider, idTokenSealed: try row.decode(column: "id_token_sealed", as: String?.self))
    }
}

/// Where a session was begun: an OpenID Connect provider, and the ID token it gave
/// (sealed), which signing out hands back to it.
public struct SessionSignOn: Sendable, Equatable {
    public var provider: String
    public var idTokenSealed: String?

    public init(provider: String, idTokenSealed: String?) {
        self.provider = provider
        self.idTokenSealed = idTokenSealed
    }
}
