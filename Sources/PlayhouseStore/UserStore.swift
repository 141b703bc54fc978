import Crypto
import Foundation
import HummingbirdBcrypt
import PlayhouseCore
import SQLKit

extension Store {
    /// bcrypt's work factor: about a quarter second per hash on one core.
    public static let bcryptCost: UInt8 = 12

    /// Stores a new user with a bcrypt hash of `password`; the name must be unused. `cost`
    /// is bcrypt's work factor (tests that make many users take a lower one).
    public func createUser(
        name: String, role: Role, password: String, cost: UInt8 = bcryptCost, now: Date = Date()
    ) async throws -> User {
        try User.validateName(name)
        try User.validatePassword(password)
        if try await user(named: name) != nil {
            throw StoreError(.conflict, "a user named \"\(name)\" already exists")
        }
        let passwordHash = try await hash(password, cost: cost)
        let time = now.timeIntervalSince1970
        let row = try await sql.raw("""
            INSERT INTO users (name, role, password_hash, created_at, updated_at)
            VALUES (\(bind: name), \(bind: role.rawValue), \(bind: passwordHash), \(bind: time), \(bind: time))
            RETURNING *
            """).first()
        guard let row else { throw StoreError(.invalid, "the database did not return the new user") }
        return try StoreCoding.user(from: row, teams: [])
    }

    /// Changes a user's role and/or password; nil when there is no such user. The last
    /// admin cannot stop being one. A new password or a lower role ends the user's
    /// sessions and API tokens: what they were given under the old one no longer stands.
    public func updateUser(_ id: Int64, role: Role?, password: String?, now: Date = Date()) async throws -> User? {
        if let password { try User.validatePassword(password) }
        // Hashed before the transaction: it takes a quarter second on purpose, and holds no lock meanwhile.
        let passwordHash = try await password.asyncMap { try await hash($0, cost: Self.bcryptCost) }
        return try await withTransaction { store in
            guard let existing = try await store.user(id) else { return nil }
            let demoted = role.map { $0 < existing.role } ?? false
            if demoted, existing.role == .admin, try await store.lockAdmins() == 1 {
                throw StoreError(.conflict, "\(existing.name) is the last admin; make another user admin first")
            }
            try await store.sql.raw("""
                UPDATE users SET role = \(bind: (role ?? existing.role).rawValue),
                    password_hash = COALESCE(\(bind: passwordHash), password_hash), updated_at = \(bind: now.timeIntervalSince1970)
                WHERE id = \(bind: id)
                """).run()
            if password != nil || demoted {
                try await store.sql.raw("DELETE FROM sessions WHERE user_id = \(bind: id)").run()
                try await store.sql.raw("DELETE FROM api_tokens WHERE user_id = \(bind: id)").run()
            }
            return try await store.user(id)
        }
    }

    /// Deletes a user with their sessions, tokens, team memberships, grants, hooks and
    /// schedules, all at once; false when there was none. The last admin cannot be deleted.
    public func deleteUser(_ id: Int64) async throws -> Bool {
        try await withTransaction { store in
            guard let existing = try await store.user(id) else { return false }
            if existing.role == .admin, try await store.lockAdmins() == 1 {
                throw StoreError(.conflict, "\(existing.name) is the last admin and cannot be deleted")
            }
            try await store.sql.raw("DELETE FROM grants WHERE subject_kind = 'user' AND subject_id = \(bind: id)").run()
            // Hooks and schedules launch as their maker, by name: a later user of that name must not inherit them.
            try await store.sql.raw("DELETE FROM template_hooks WHERE created_by = \(bind: existing.name)").run()
            try await store.sql.raw("DELETE FROM schedules WHERE created_by = \(bind: existing.name)").run()
            return try await store.sql.raw("DELETE FROM users WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    public func user(_ id: Int64) async throws -> User? {
        guard let row = try await sql.raw("SELECT * FROM users WHERE id = \(bind: id)").first() else { return nil }
        return try StoreCoding.user(from: row, teams: try await teamNames(ofUser: id))
    }

    public func user(named name: String) async throws -> User? {
        guard let row = try await sql.raw("SELECT * FROM users WHERE name = \(bind: name)").first() else { return nil }
        let id = try row.decode(column: "id", as: Int64.self)
        return try StoreCoding.user(from: row, teams: try await teamNames(ofUser: id))
    }

    public func users() async throws -> [User] {
        let memberships = try await sql.raw("""
            SELECT m.user_id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id ORDER BY t.name
            """).all()
        var teams: [Int64: [String]] = [:]
        for row in memberships {
            teams[try row.decode(column: "user_id", as: Int64.self), default: []].append(try row.decode(column: "name", as: String.self))
        }
        return try await sql.raw("SELECT * FROM users ORDER BY name").all().map { row in
            try StoreCoding.user(from: row, teams: teams[try row.decode(column: "id", as: Int64.self)] ?? [])
        }
    }

    public func userCount() async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM users").first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// The user when `password` is theirs; nil otherwise. Takes as long for an unknown
    /// name as for a wrong password, so the timing does not tell which names exist.
    public func authenticate(name: String, password: String) async throws -> User? {
        let row = try await sql.raw("SELECT id, password_hash FROM users WHERE name = \(bind: name)").first()
        let hash = try row?.decode(column: "password_hash", as: String.self) ?? Self.unknownUserHash
        let matches = try await verify(password, hash: hash)
        guard matches, let row else { return nil }
        return try await user(try row.decode(column: "id", as: Int64.self))
    }

    // MARK: Sessions

    /// Starts a session: the cookie value (shown once, stored as a hash) and its CSRF token.
    public func createSession(userID: Int64, lifetime: Duration, now: Date = Date()) async throws -> (token: String, csrf: String) {
        let token = Self.randomToken(), csrf = Self.randomToken()
        let expires = now.addingTimeInterval(Double(lifetime.components.seconds))
        try await sql.raw("DELETE FROM sessions WHERE expires_at < \(bind: now.timeIntervalSince1970)").run()
        try await sql.raw("""
            INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
            VALUES (\(bind: Self.digest(token)), \(bind: userID), \(bind: csrf), \(bind: now.timeIntervalSince1970),
                    \(bind: expires.timeIntervalSince1970))
            """).run()
        return (token, csrf)
    }

    /// The user and CSRF token of a live session.
    public func session(token: String, now: Date = Date()) async throws -> (user: User, csrf: String)? {
        guard let row = try await sql.raw("""
            SELECT user_id, csrf_token FROM sessions
            WHERE token_hash = \(bind: Self.digest(token)) AND expires_at > \(bind: now.timeIntervalSince1970)
            """).first(),
            let user = try await user(try row.decode(column: "user_id", as: Int64.self)) else { return nil }
        return (user, try row.decode(column: "csrf_token", as: String.self))
    }

    public func deleteSession(token: String) async throws {
        try await sql.raw("DELETE FROM sessions WHERE token_hash = \(bind: Self.digest(token))").run()
    }

    // MARK: API tokens

    /// A new token for `userID`: the listing, and the secret (shown once, stored as a hash).
    public func createToken(userID: Int64, name: String, expiresAt: Date?, now: Date = Date()) async throws -> (APIToken, String) {
        let secret = "ph_" + Self.randomToken()
        let row = try await sql.raw("""
            INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)
            VALUES (\(bind: userID), \(bind: name), \(bind: Self.digest(secret)), \(bind: now.timeIntervalSince1970),
                    \(bind: expiresAt?.timeIntervalSince1970))
            RETURNING id
            """).first()
        guard let id = try row?.decode(column: "id", as: Int64.self), let token = try await tokens(userID: userID).first(where: { $0.id == id }) else {
            throw StoreError(.invalid, "the database did not return the new token")
        }
        return (token, secret)
    }

    /// The user a live token belongs to; notes when it was last used (to the minute, so
    /// that a busy script does not write on every request).
    public func tokenUser(secret: String, now: Date = Date()) async throws -> User? {
        let hash = Self.digest(secret)
        guard let row = try await sql.raw("""
            SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = \(bind: hash)
              AND (expires_at IS NULL OR expires_at > \(bind: now.timeIntervalSince1970))
            """).first() else { return nil }
        let lastUsed = try row.decode(column: "last_used_at", as: Double?.self)
        if lastUsed.map({ now.timeIntervalSince1970 - $0 >= 60 }) ?? true {
            try await sql.raw("""
                UPDATE api_tokens SET last_used_at = \(bind: now.timeIntervalSince1970)
                WHERE id = \(bind: try row.decode(column: "id", as: Int64.self))
                """).run()
        }
        return try await user(try row.decode(column: "user_id", as: Int64.self))
    }

    /// Tokens of one user, or of everyone when `userID` is nil.
    public func tokens(userID: Int64?) async throws -> [APIToken] {
        let filter: SQLQueryString = userID.map { "WHERE t.user_id = \(bind: $0)" } ?? ""
        return try await sql.raw("""
            SELECT t.id, t.name, t.created_at, t.expires_at, t.last_used_at, u.name AS user_name
            FROM api_tokens t JOIN users u ON u.id = t.user_id \(filter) ORDER BY t.id
            """).all().map(StoreCoding.token(from:))
    }

    /// Deletes a token (only one of `userID`'s when given); false when there was none.
    public func deleteToken(_ id: Int64, userID: Int64?) async throws -> Bool {
        let owner: SQLQueryString = userID.map { " AND user_id = \(bind: $0)" } ?? ""
        return try await sql.raw("DELETE FROM api_tokens WHERE id = \(bind: id)\(owner) RETURNING id").first() != nil
    }

    // MARK: Helpers

    /// How many admins there are, their rows locked until the transaction ends, so that two
    /// transactions cannot each remove an admin believing another one stays.
    private func lockAdmins() async throws -> Int {
        try await sql.raw("SELECT id FROM users WHERE role = 'admin'\(forUpdate)").all().count
    }

    func teamNames(ofUser id: Int64) async throws -> [String] {
        try await sql.raw("""
            SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = \(bind: id) ORDER BY t.name
            """).all(decodingColumn: "name", as: String.self)
    }

    /// 32 random bytes, base64url without padding.
    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }

    /// Tokens are random and long, so a fast hash is enough to store them.
    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Password checks waiting beyond this many are refused (``PasswordChecksBusy``):
    /// a flood of sign-ins cannot queue up without bound.
    static let passwordChecksWaitingLimit = 32

    /// bcrypt takes a while on purpose, so it runs off the cooperative pool, and at most
    /// ``bcryptWidth`` at once.
    func hash(_ password: String, cost: UInt8) async throws -> String {
        try await bcryptWork.withPermit { await Self.offPool { Bcrypt.hash(password, cost: cost) } }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        do {
            return try await bcryptWork.withPermit(waitingLimit: Self.passwordChecksWaitingLimit) {
                await Self.offPool { Bcrypt.verify(password, hash: hash) }
            }
        } catch is AsyncSemaphore.Full {
            throw PasswordChecksBusy()
        }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// A hash of nothing anyone knows, checked against for unknown names.
    private static let unknownUserHash = Bcrypt.hash(randomToken(), cost: bcryptCost)
}

/// More passwords are waiting to be checked than the server takes (a flood of sign-ins):
/// try again in a few seconds.
public struct PasswordChecksBusy: Error, Sendable, CustomStringConvertible {
    public var description: String { "too many passwords are being checked at once; try again in a few seconds" }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
