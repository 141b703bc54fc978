public import Foundation
import SQLKit

extension UserRepository {
    /// Stores a new secret for `userID`'s TOTP, not yet confirmed, in place of one being
    /// set up; false (and nothing stored) while TOTP is on: it is turned off first.
    public func beginTOTP(userID: Int64, secret: Data, box: SecretBox, now: Date = Date()) async throws -> Bool {
        let sealed = try box.seal(secret)
        return try await sql.raw(
            """
            INSERT INTO user_totp (user_id, secret_sealed, created_at)
            VALUES (\(bind: userID), \(bind: sealed), \(bind: now.timeIntervalSince1970))
            ON CONFLICT (user_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, created_at = excluded.created_at,
                last_step = NULL
            WHERE user_totp.confirmed_at IS NULL
            RETURNING user_id
            """
        ).first() != nil
    }

    /// The user's TOTP, set up or being set up; nil when there is none.
    public func totp(userID: Int64, box: SecretBox) async throws -> StoredTOTP? {
        guard let row = try await sql.raw("SELECT * FROM user_totp WHERE user_id = \(bind: userID)").first() else { return nil }
        return StoredTOTP(
            secret: try box.open(try row.decode(column: "secret_sealed", as: String.self)),
            confirmed: try row.decode(column: "confirmed_at", as: Double?.self) != nil,
            lastStep: try row.decode(column: "last_step", as: Int64?.self))
    }

    /// Whether the user's TOTP is on (set up and confirmed).
    public func hasTOTP(userID: Int64) async throws -> Bool {
        try await sql.raw("SELECT user_id FROM user_totp WHERE user_id = \(bind: userID) AND confirmed_at IS NOT NULL").first() != nil
    }

    /// Turns on the TOTP being set up, its first code having been for `step`, and returns its
    /// new recovery codes (in place of any earlier ones); nil when none is being set up.
    public func confirmTOTP(userID: Int64, step: Int64, now: Date = Date()) async throws -> [String]? {
        let codes = RecoveryCodes.generate()
        return try await store.withTransaction { store in
            let confirmed = try await store.sql.raw(
                """
                UPDATE user_totp SET confirmed_at = \(bind: now.timeIntervalSince1970), last_step = \(bind: step)
                WHERE user_id = \(bind: userID) AND confirmed_at IS NULL RETURNING user_id
                """
            ).first()
            guard confirmed != nil else { return nil }
            try await store.sql.raw("DELETE FROM recovery_codes WHERE user_id = \(bind: userID)").run()
            for code in codes {
                try await store.sql.raw(
                    "INSERT INTO recovery_codes (user_id, code_hash) VALUES (\(bind: userID), \(bind: RecoveryCodes.digest(code)))"
                ).run()
            }
            return codes
        }
    }

    /// Uses the code of `step`: true when no code of it or of a later step was used before.
    /// One statement, so two requests with the same code cannot both get in.
    public func useTOTPStep(userID: Int64, step: Int64) async throws -> Bool {
        try await sql.raw(
            """
            UPDATE user_totp SET last_step = \(bind: step)
            WHERE user_id = \(bind: userID) AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < \(bind: step))
            RETURNING user_id
            """
        ).first() != nil
    }

    /// Uses a recovery code: true when it is one of the user's and was not used before.
    public func useRecoveryCode(userID: Int64, code: String, now: Date = Date()) async throws -> Bool {
        try await sql.raw(
            """
            UPDATE recovery_codes SET used_at = \(bind: now.timeIntervalSince1970)
            WHERE user_id = \(bind: userID) AND code_hash = \(bind: RecoveryCodes.digest(code)) AND used_at IS NULL
            RETURNING id
            """
        ).first() != nil
    }

    /// How many of the user's recovery codes are still unused.
    public func recoveryCodesLeft(userID: Int64) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = \(bind: userID) AND used_at IS NULL")
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// Removes the user's TOTP (on or being set up) and recovery codes; false when there
    /// was neither.
    public func removeTOTP(userID: Int64) async throws -> Bool {
        try await store.withTransaction { store in
            let codes = try await store.sql.raw("DELETE FROM recovery_codes WHERE user_id = \(bind: userID) RETURNING id").all()
            let totp = try await store.sql.raw("DELETE FROM user_totp WHERE user_id = \(bind: userID) RETURNING user_id").first()
            return totp != nil || !codes.isEmpty
        }
    }
}
