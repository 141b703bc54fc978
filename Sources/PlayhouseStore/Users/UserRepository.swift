public import Foundation
public import PlayhouseCore
import SQLKit

/// Users and what they may do: their sessions and API tokens, teams, grants, and the
/// audit log of what they did.
public struct UserRepository: Repository {
    let store: Store

    /// Stores a new user with a bcrypt hash of `password`; the name must be unused. `cost`
    /// is bcrypt's work factor (tests that make many users take a lower one).
    public func create(
        name: String, role: Role, password: String, cost: UInt8 = bcryptCost, now: Date = Date()
    ) async throws -> User {
        try User.validateName(name)
        try User.validatePassword(password)
        if try await named(name) != nil {
            throw StoreError(.conflict, "a user named \"\(name)\" already exists")
        }
        let passwordHash = try await hash(password, cost: cost)
        let time = now.timeIntervalSince1970
        return try await sql.raw(
            """
            INSERT INTO users (name, role, password_hash, created_at, updated_at)
            VALUES (\(bind: name), \(bind: role.rawValue), \(bind: passwordHash), \(bind: time), \(bind: time))
            RETURNING *
            """
        ).inserted("user", as: User.self)
    }

    /// Changes a user's role and/or password; nil when there is no such user. The last
    /// admin cannot stop being one. A new password or a lower role ends the user's
    /// sessions and API tokens: what they were given under the old one no longer stands.
    public func update(_ id: Int64, role: Role?, password: String?, now: Date = Date()) async throws -> User? {
        if let password { try User.validatePassword(password) }
        // Hashed before the transaction: it takes a quarter second on purpose, and holds no lock meanwhile.
        let passwordHash: String? = if let password { try await hash(password, cost: Self.bcryptCost) } else { nil }
        return try await store.withTransaction { store in
            let users = store.users
            guard let existing = try await users.find(id) else { return nil }
            let demoted = role.map { $0 < existing.role } ?? false
            if demoted, existing.role == .admin, try await users.lockAdmins() == 1 {
                throw StoreError(.conflict, "\(existing.name) is the last admin; make another user admin first")
            }
            try await store.sql.raw(
                """
                UPDATE users SET role = \(bind: (role ?? existing.role).rawValue),
                    password_hash = COALESCE(\(bind: passwordHash), password_hash), updated_at = \(bind: now.timeIntervalSince1970)
                WHERE id = \(bind: id)
                """
            ).run()
            if password != nil || demoted {
                try await store.sql.raw("DELETE FROM sessions WHERE user_id = \(bind: id)").run()
                try await store.sql.raw("DELETE FROM api_tokens WHERE user_id = \(bind: id)").run()
            }
            return try await users.find(id)
        }
    }

    /// Deletes a user with their sessions, tokens, team memberships, grants, hooks and
    /// schedules, all at once; false when there was none. The last admin cannot be deleted.
    public func delete(_ id: Int64) async throws -> Bool {
        try await store.withTransaction { store in
            guard let existing = try await store.users.find(id) else { return false }
            if existing.role == .admin, try await store.users.lockAdmins() == 1 {
                throw StoreError(.conflict, "\(existing.name) is the last admin and cannot be deleted")
            }
            try await store.sql.raw(
                """
                DELETE FROM grants WHERE subject_kind = \(bind: Grant.SubjectKind.user.rawValue) AND subject_id = \(bind: id)
                """
            ).run()
            // Hooks and schedules launch as their maker, by name: a later user of that name must not inherit them.
            try await store.sql.raw("DELETE FROM template_hooks WHERE created_by = \(bind: existing.name)").run()
            try await store.sql.raw("DELETE FROM template_forge_hooks WHERE created_by = \(bind: existing.name)").run()
            try await store.sql.raw("DELETE FROM workflow_hooks WHERE created_by = \(bind: existing.name)").run()
            try await store.sql.raw("DELETE FROM schedules WHERE created_by = \(bind: existing.name)").run()
            return try await store.sql.raw("DELETE FROM users WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    /// The user with this id and their teams, or nil.
    public func find(_ id: Int64) async throws -> User? {
        try await withTeams(sql.raw("SELECT * FROM users WHERE id = \(bind: id)").first(as: User.self))
    }

    /// The user of this name and their teams, or nil.
    public func named(_ name: String) async throws -> User? {
        try await withTeams(sql.raw("SELECT * FROM users WHERE name = \(bind: name)").first(as: User.self))
    }

    /// Every user, by name.
    public func list() async throws -> [User] {
        let memberships = try await sql.raw(
            """
            SELECT m.user_id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id ORDER BY t.name
            """
        ).all()
        var teams: [Int64: [String]] = [:]
        for row in memberships {
            teams[try row.decode(column: "user_id", as: Int64.self), default: []].append(try row.decode(column: "name", as: String.self))
        }
        return try await sql.raw("SELECT * FROM users ORDER BY name").all(as: User.self).map { user in
            var user = user
            user.teams = teams[user.id] ?? []
            return user
        }
    }

    /// How many users there are.
    public func count() async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM users").first(decodingColumn: "n", as: Int.self) ?? 0
    }

    /// The user when `password` is theirs; nil otherwise. Takes as long for an unknown
    /// name as for a wrong password, so the timing does not tell which names exist.
    public func authenticate(name: String, password: String) async throws -> User? {
        let row = try await sql.raw("SELECT id, password_hash FROM users WHERE name = \(bind: name)").first()
        let hash = try row?.decode(column: "password_hash", as: String.self) ?? Self.unknownUserHash
        let matches = try await verify(password, hash: hash)
        guard matches, let row else { return nil }
        return try await find(try row.decode(column: "id", as: Int64.self))
    }

    /// How many admins there are, their rows locked until the transaction ends, so that two
    /// transactions cannot each remove an admin believing another one stays.
    private func lockAdmins() async throws -> Int {
        try await sql.raw("SELECT id FROM users WHERE role = \(bind: Role.admin.rawValue)\(store.forUpdate)").all().count
    }

    private func withTeams(_ user: User?) async throws -> User? {
        guard var user else { return nil }
        user.teams = try await sql.raw(
            """
            SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = \(bind: user.id) ORDER BY t.name
            """
        ).all(decodingColumn: "name", as: String.self)
        return user
    }
}
