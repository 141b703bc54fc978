public import Foundation
public import PlayhouseCore
import SQLKit

extension UserRepository {
    /// A new token for `userID`: the listing, and the secret (shown once, stored as a hash).
    public func createToken(userID: Int64, name: String, expiresAt: Date?, now: Date = Date()) async throws -> (APIToken, String) {
        let secret = "ph_" + Token.random()
        let row = try await sql.raw(
            """
            INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)
            VALUES (\(bind: userID), \(bind: name), \(bind: Token.digest(secret)), \(bind: now.timeIntervalSince1970),
                    \(bind: expiresAt?.timeIntervalSince1970))
            RETURNING id
            """
        ).first()
        guard let id = try row?.decode(column: "id", as: Int64.self),
            let token = try await tokens(userID: userID).first(where: { $0.id == id })
        else {
            throw StoreError(.invalid, "the database did not return the new token")
        }
        return (token, secret)
    }

    /// The user a live token belongs to; notes when it was last used (to the minute, so
    /// that a busy script does not write on every request).
    public func tokenUser(secret: String, now: Date = Date()) async throws -> User? {
        guard
            let row = try await sql.raw(
                """
                SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = \(bind: Token.digest(secret))
                  AND (expires_at IS NULL OR expires_at > \(bind: now.timeIntervalSince1970))
                """
            ).first()
        else { return nil }
        let lastUsed = try row.decode(column: "last_used_at", as: Double?.self)
        if lastUsed.map({ now.timeIntervalSince1970 - $0 >= 60 }) ?? true {
            try await sql.raw(
                """
                UPDATE api_tokens SET last_used_at = \(bind: now.timeIntervalSince1970)
                WHERE id = \(bind: try row.decode(column: "id", as: Int64.self))
                """
            ).run()
        }
        return try await find(try row.decode(column: "user_id", as: Int64.self))
    }

    /// Tokens of one user, or of everyone when `userID` is nil.
    public func tokens(userID: Int64?) async throws -> [APIToken] {
        let filter: SQLQueryString = userID.map { "WHERE t.user_id = \(bind: $0)" } ?? ""
        return try await sql.raw(
            """
            SELECT t.id, t.name, t.created_at, t.expires_at, t.last_used_at, u.name AS user_name
            FROM api_tokens t JOIN users u ON u.id = t.user_id \(filter) ORDER BY t.id
            """
        ).all(as: APIToken.self)
    }

    /// Deletes a token (only one of `userID`'s when given); false when there was none.
    public func deleteToken(_ id: Int64, userID: Int64?) async throws -> Bool {
        let owner: SQLQueryString = userID.map { " AND user_id = \(bind: $0)" } ?? ""
        return try await sql.raw("DELETE FROM api_tokens WHERE id = \(bind: id)\(owner) RETURNING id").first() != nil
    }
}
