import Foundation
import PlayhouseCore
import SQLKit

extension Store {
    // MARK: Teams

    public func createTeam(name: String, now: Date = Date()) async throws -> Team {
        try User.validateName(name, kind: "team name")
        if try await teamID(named: name) != nil { throw StoreError(.conflict, "a team named \"\(name)\" already exists") }
        let row = try await sql.raw("""
            INSERT INTO teams (name, created_at) VALUES (\(bind: name), \(bind: now.timeIntervalSince1970)) RETURNING id
            """).first()
        guard let id = try row?.decode(column: "id", as: Int64.self) else {
            throw StoreError(.invalid, "the database did not return the new team")
        }
        return Team(id: id, name: name, members: [])
    }

    /// Replaces a team's members (user names, which must exist), all at once; nil when
    /// there is no such team.
    public func setTeamMembers(_ id: Int64, users names: [String]) async throws -> Team? {
        try await withTransaction { store in
            // Two changes of one team at once take turns, so the second replaces the first whole.
            guard try await store.sql.raw("SELECT id FROM teams WHERE id = \(bind: id)\(store.forUpdate)").first() != nil else {
                return nil
            }
            var ids: [Int64] = []
            for name in Set(names).sorted() {
                guard let user = try await store.user(named: name) else { throw StoreError(.invalid, "there is no user named \"\(name)\"") }
                ids.append(user.id)
            }
            try await store.sql.raw("DELETE FROM team_members WHERE team_id = \(bind: id)").run()
            for userID in ids {
                try await store.sql.raw("INSERT INTO team_members (team_id, user_id) VALUES (\(bind: id), \(bind: userID))").run()
            }
            return try await store.team(id)
        }
    }

    /// Deletes a team with its grants, all at once; false when there was none.
    public func deleteTeam(_ id: Int64) async throws -> Bool {
        try await withTransaction { store in
            try await store.sql.raw("DELETE FROM grants WHERE subject_kind = 'team' AND subject_id = \(bind: id)").run()
            return try await store.sql.raw("DELETE FROM teams WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    public func team(_ id: Int64) async throws -> Team? {
        try await teams().first { $0.id == id }
    }

    public func teams() async throws -> [Team] {
        let rows = try await sql.raw("""
            SELECT t.id, t.name, u.name AS member FROM teams t
            LEFT JOIN team_members m ON m.team_id = t.id LEFT JOIN users u ON u.id = m.user_id
            ORDER BY t.name, u.name
            """).all()
        var teams: [Team] = []
        for row in rows {
            let id = try row.decode(column: "id", as: Int64.self)
            if teams.last?.id != id { teams.append(Team(id: id, name: try row.decode(column: "name", as: String.self), members: [])) }
            if let member = try row.decode(column: "member", as: String?.self) { teams[teams.count - 1].members.append(member) }
        }
        return teams
    }

    private func teamID(named name: String) async throws -> Int64? {
        try await sql.raw("SELECT id FROM teams WHERE name = \(bind: name)").first(decodingColumn: "id", as: Int64.self)
    }

    // MARK: Grants

    /// Grants `subject` (a user or team name) the use of a project or stored inventory.
    public func createGrant(
        subjectKind: Grant.SubjectKind, subject: String, resourceKind: Grant.ResourceKind, resource: String,
        now: Date = Date()
    ) async throws -> Grant {
        let subjectID: Int64?
        switch subjectKind {
        case .user: subjectID = try await user(named: subject)?.id
        case .team: subjectID = try await teamID(named: subject)
        }
        guard let subjectID else { throw StoreError(.invalid, "there is no \(subjectKind.rawValue) named \"\(subject)\"") }
        if resourceKind != .project, resource != Grant.any {
            let exists: Bool
            switch (resourceKind, Int64(resource)) {
            case (.inventory, let id?): exists = try await inventory(id) != nil
            case (.credential, let id?): exists = try await credential(id) != nil
            default: exists = false
            }
            guard exists else {
                throw StoreError(.invalid, "there is no stored \(resourceKind.rawValue) \(resource); grant it by its id, or \"*\"")
            }
        } else if resource.isEmpty {
            throw StoreError(.invalid, "name the project to grant, or \"*\" for all")
        }
        if try await grants().contains(where: {
            $0.subjectKind == subjectKind && $0.subject == subject && $0.resourceKind == resourceKind && $0.resource == resource
        }) {
            throw StoreError(.conflict, "\(subject) already has this grant")
        }
        let row = try await sql.raw("""
            INSERT INTO grants (subject_kind, subject_id, resource_kind, resource, created_at)
            VALUES (\(bind: subjectKind.rawValue), \(bind: subjectID), \(bind: resourceKind.rawValue), \(bind: resource),
                    \(bind: now.timeIntervalSince1970))
            RETURNING id
            """).first()
        guard let id = try row?.decode(column: "id", as: Int64.self) else {
            throw StoreError(.invalid, "the database did not return the new grant")
        }
        return Grant(id: id, subjectKind: subjectKind, subject: subject, resourceKind: resourceKind, resource: resource)
    }

    public func deleteGrant(_ id: Int64) async throws -> Bool {
        try await sql.raw("DELETE FROM grants WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    public func grants() async throws -> [Grant] {
        try await sql.raw("""
            SELECT g.id, g.subject_kind, g.resource_kind, g.resource, COALESCE(u.name, t.name) AS subject FROM grants g
            LEFT JOIN users u ON g.subject_kind = 'user' AND u.id = g.subject_id
            LEFT JOIN teams t ON g.subject_kind = 'team' AND t.id = g.subject_id
            ORDER BY g.id
            """).all().map(StoreCoding.grant(from:))
    }

    /// What `user` may reach: everything for an admin, else their grants and their teams'.
    public func access(for user: User) async throws -> Access {
        if user.role == .admin { return .all }
        let rows = try await sql.raw("""
            SELECT resource_kind, resource FROM grants
            WHERE (subject_kind = 'user' AND subject_id = \(bind: user.id))
               OR (subject_kind = 'team' AND subject_id IN (SELECT team_id FROM team_members WHERE user_id = \(bind: user.id)))
            """).all()
        var access = Access()
        for row in rows {
            let resource = try row.decode(column: "resource", as: String.self)
            switch Grant.ResourceKind(rawValue: try row.decode(column: "resource_kind", as: String.self)) {
            case .project?: access.projects.insert(resource)
            case .inventory?: access.inventories.insert(resource)
            case .credential?: access.credentials.insert(resource)
            case nil: continue
            }
        }
        return access
    }
}
