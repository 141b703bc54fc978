public import Foundation
public import PlayhouseCore
import SQLKit

extension UserRepository {
    /// Grants `subject` (a user or team name) the use of a project, stored inventory or
    /// credential.
    public func createGrant(
        subjectKind: Grant.SubjectKind, subject: String, resourceKind: Grant.ResourceKind, resource: String,
        now: Date = Date()
    ) async throws -> Grant {
        let subjectID: Int64?
        switch subjectKind {
        case .user: subjectID = try await named(subject)?.id
        case .team: subjectID = try await teamID(named: subject)
        }
        guard let subjectID else { throw StoreError(.invalid, "there is no \(subjectKind.rawValue) named \"\(subject)\"") }
        if resourceKind != .project, resource != Grant.any {
            let exists: Bool
            switch (resourceKind, Int64(resource)) {
            case (.inventory, let id?): exists = try await store.inventories.find(id) != nil
            case (.credential, let id?): exists = try await store.credentials.find(id) != nil
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
        let row = try await sql.raw(
            """
            INSERT INTO grants (subject_kind, subject_id, resource_kind, resource, created_at)
            VALUES (\(bind: subjectKind.rawValue), \(bind: subjectID), \(bind: resourceKind.rawValue), \(bind: resource),
                    \(bind: now.timeIntervalSince1970))
            RETURNING id
            """
        ).first()
        guard let id = try row?.decode(column: "id", as: Int64.self) else {
            throw StoreError(.invalid, "the database did not return the new grant")
        }
        return Grant(id: id, subjectKind: subjectKind, subject: subject, resourceKind: resourceKind, resource: resource)
    }

    /// Deletes a grant; false when there was none.
    public func deleteGrant(_ id: Int64) async throws -> Bool {
        try await deleteRow(id, from: "grants")
    }

    /// Every grant, oldest first, naming its user or team.
    public func grants() async throws -> [Grant] {
        try await sql.raw(
            """
            SELECT g.id, g.subject_kind, g.resource_kind, g.resource, COALESCE(u.name, t.name) AS subject FROM grants g
            LEFT JOIN users u ON g.subject_kind = \(bind: Grant.SubjectKind.user.rawValue) AND u.id = g.subject_id
            LEFT JOIN teams t ON g.subject_kind = \(bind: Grant.SubjectKind.team.rawValue) AND t.id = g.subject_id
            ORDER BY g.id
            """
        ).all(as: Grant.self)
    }

    /// What `user` may reach: everything for an admin, else their grants and their teams'.
    public func access(for user: User) async throws -> Access {
        if user.role == .admin { return .all }
        let rows = try await sql.raw(
            """
            SELECT resource_kind, resource FROM grants
            WHERE (subject_kind = \(bind: Grant.SubjectKind.user.rawValue) AND subject_id = \(bind: user.id))
               OR (subject_kind = \(bind: Grant.SubjectKind.team.rawValue)
                   AND subject_id IN (SELECT team_id FROM team_members WHERE user_id = \(bind: user.id)))
            """
        ).all()
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
