public import Foundation
public import PlayhouseCore
import SQLKit

extension UserRepository {
    /// Stores a new team without members; the name must be unused.
    public func createTeam(name: String, now: Date = Date()) async throws -> Team {
        try User.validateName(name, kind: "team name")
        if try await teamID(named: name) != nil { throw StoreError(.conflict, "a team named \"\(name)\" already exists") }
        let row = try await sql.raw(
            """
            INSERT INTO teams (name, created_at) VALUES (\(bind: name), \(bind: now.timeIntervalSince1970)) RETURNING id
            """
        ).first()
        guard let id = try row?.decode(column: "id", as: Int64.self) else {
            throw StoreError(.invalid, "the database did not return the new team")
        }
        return Team(id: id, name: name, members: [])
    }

    /// Replaces a team's members (user names, which must exist), all at once; nil when
    /// there is no such team.
    public func setTeamMembers(_ id: Int64, users names: [String]) async throws -> Team? {
        try await store.withTransaction { store in
            // Two changes of one team at once take turns, so the second replaces the first whole.
            guard try await store.sql.raw("SELECT id FROM teams WHERE id = \(bind: id)\(store.forUpdate)").first() != nil else {
                return nil
            }
            var ids: [Int64] = []
            for name in Set(names).sorted() {
                guard let user = try await store.users.named(name) else { throw StoreError(.invalid, "there is no user named \"\(name)\"") }
                ids.append(user.id)
            }
            try await store.sql.raw("DELETE FROM team_members WHERE team_id = \(bind: id)").run()
            for userID in ids {
                try await store.sql.raw("INSERT INTO team_members (team_id, user_id) VALUES (\(bind: id), \(bind: userID))").run()
            }
            return try await store.users.team(id)
        }
    }

    /// Deletes a team with its grants, all at once; false when there was none.
    public func deleteTeam(_ id: Int64) async throws -> Bool {
        try await store.withTransaction { store in
            try await store.sql.raw(
                """
                DELETE FROM grants WHERE subject_kind = \(bind: Grant.SubjectKind.team.rawValue) AND subject_id = \(bind: id)
                """
            ).run()
            return try await store.sql.raw("DELETE FROM teams WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    /// The team with this id and its members, or nil.
    public func team(_ id: Int64) async throws -> Team? {
        try await teams().first { $0.id == id }
    }

    /// Every team with its members, by name.
    public func teams() async throws -> [Team] {
        let rows = try await sql.raw(
            """
            SELECT t.id, t.name, u.name AS member FROM teams t
            LEFT JOIN team_members m ON m.team_id = t.id LEFT JOIN users u ON u.id = m.user_id
            ORDER BY t.name, u.name
            """
        ).all()
        var teams: [Team] = []
        for row in rows {
            let id = try row.decode(column: "id", as: Int64.self)
            if teams.last?.id != id { teams.append(Team(id: id, name: try row.decode(column: "name", as: String.self), members: [])) }
            if let member = try row.decode(column: "member", as: String?.self) { teams[teams.count - 1].members.append(member) }
        }
        return teams
    }

    func teamID(named name: String) async throws -> Int64? {
        try await rowID(named: name, in: "teams")
    }
}
