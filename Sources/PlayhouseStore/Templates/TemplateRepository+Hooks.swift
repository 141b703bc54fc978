public import Foundation
public import PlayhouseCore
import SQLKit

extension TemplateRepository {
    /// A new trigger token for a template or workflow (replacing any earlier one); shown
    /// once, stored hashed.
    public func createHook(for target: LaunchTarget, createdBy: String, now: Date = Date()) async throws -> String {
        let token = "phk_" + Token.random()
        let (table, column) = target.hookTable
        try await sql.raw(
            """
            INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: column), token_hash, created_by, created_at)
            VALUES (\(bind: target.id), \(bind: Token.digest(token)), \(bind: createdBy), \(bind: now.timeIntervalSince1970))
            ON CONFLICT (\(unsafeRaw: column)) DO UPDATE SET token_hash = excluded.token_hash, created_by = excluded.created_by,
                created_at = excluded.created_at
            """
        ).run()
        return token
    }

    /// Who made the hook of a template or workflow, when `token` is its token.
    public func hookOwner(of target: LaunchTarget, token: String) async throws -> String? {
        let (table, column) = target.hookTable
        return try await sql.raw(
            """
            SELECT created_by FROM \(unsafeRaw: table)
            WHERE \(unsafeRaw: column) = \(bind: target.id) AND token_hash = \(bind: Token.digest(token))
            """
        ).first(decodingColumn: "created_by", as: String.self)
    }
}

extension LaunchTarget {
    /// The table of the target's kind of hooks and its key column, written here, never input.
    fileprivate var hookTable: (String, String) {
        switch self {
        case .template: ("template_hooks", "template_id")
        case .workflow: ("workflow_hooks", "workflow_id")
        }
    }

    fileprivate var id: Int64 {
        switch self {
        case .template(let id), .workflow(let id): id
        }
    }
}
