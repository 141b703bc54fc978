public import Foundation
public import PlayhouseCore
import SQLKit

extension UserRepository {
    /// A sign-in whose password was right and whose second factor is still to come: its
    /// token (shown once, stored as a hash). It starts no session.
    public func createPendingSignIn(userID: Int64, lifetime: Duration, now: Date = Date()) async throws -> String {
        let token = Token.random()
        try await store.withTransaction { store in
            // Ended ones go as new ones come, as sessions do.
            try await store.sql.raw("DELETE FROM pending_sign_ins WHERE expires_at < \(bind: now.timeIntervalSince1970)").run()
            try await store.sql.raw(
                """
                INSERT INTO pending_sign_ins (token_hash, user_id, created_at, expires_at)
                VALUES (\(bind: Token.digest(token)), \(bind: userID), \(bind: now.timeIntervalSince1970),
                        \(bind: now.addingTimeInterval(lifetime.inSeconds).timeIntervalSince1970))
                """
            ).run()
        }
        return token
    }

    /// The user of a pending sign-in that has not expired.
    public func pendingSignIn(token: String, now: Date = Date()) async throws -> User? {
        let userID = try await sql.raw(
            """
            SELECT user_id FROM pending_sign_ins
            WHERE token_hash = \(bind: Token.digest(token)) AND expires_at > \(bind: now.timeIntervalSince1970)
            """
        ).first(decodingColumn: "user_id", as: Int64.self)
        guard let userID else { return nil }
        return try await find(userID)
    }

    /// Ends a pending sign-in: true for the one request that ended it while it was live.
    public func finishPendingSignIn(token: String, now: Date = Date()) async throws -> Bool {
        try await sql.raw(
            """
            DELETE FROM pending_sign_ins
            WHERE token_hash = \(bind: Token.digest(token)) AND expires_at > \(bind: now.timeIntervalSince1970) RETURNING user_id
            """
        ).first() != nil
    }
}
