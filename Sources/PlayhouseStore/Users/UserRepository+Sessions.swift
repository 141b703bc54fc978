public import Foundation
public import PlayhouseCore
import SQLKit

extension UserRepository {
    /// Starts a session: the cookie value (shown once, stored as a hash) and its CSRF token.
    public func createSession(userID: Int64, lifetime: Duration, now: Date = Date()) async throws -> (token: String, csrf: String) {
        let token = Token.random()
        let csrf = Token.random()
        let expires = now.addingTimeInterval(lifetime.inSeconds)
        try await store.withTransaction { store in
            // Sessions that ended go as new ones come, so the table does not grow without bound.
            try await store.sql.raw("DELETE FROM sessions WHERE expires_at < \(bind: now.timeIntervalSince1970)").run()
            try await store.sql.raw(
                """
                INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                VALUES (\(bind: Token.digest(token)), \(bind: userID), \(bind: csrf), \(bind: now.timeIntervalSince1970),
                        \(bind: expires.timeIntervalSince1970))
                """
            ).run()
        }
        return (token, csrf)
    }

    /// The user and CSRF token of a live session.
    public func session(token: String, now: Date = Date()) async throws -> (user: User, csrf: String)? {
        guard
            let row = try await sql.raw(
                """
                SELECT user_id, csrf_token FROM sessions
                WHERE token_hash = \(bind: Token.digest(token)) AND expires_at > \(bind: now.timeIntervalSince1970)
                """
            ).first(),
            let user = try await find(try row.decode(column: "user_id", as: Int64.self))
        else { return nil }
        return (user, try row.decode(column: "csrf_token", as: String.self))
    }

    /// Ends the session of this cookie value (signing out).
    public func deleteSession(token: String) async throws {
        try await sql.raw("DELETE FROM sessions WHERE token_hash = \(bind: Token.digest(token))").run()
    }
}
