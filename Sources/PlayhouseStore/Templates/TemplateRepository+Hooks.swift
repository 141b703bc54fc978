public import Foundation
import SQLKit

extension TemplateRepository {
    /// A new trigger token for a template (replacing any earlier one); shown once, stored hashed.
    public func createHook(templateID: Int64, createdBy: String, now: Date = Date()) async throws -> String {
        let token = "phk_" + Token.random()
        try await sql.raw(
            """
            INSERT INTO template_hooks (template_id, token_hash, created_by, created_at)
            VALUES (\(bind: templateID), \(bind: Token.digest(token)), \(bind: createdBy), \(bind: now.timeIntervalSince1970))
            ON CONFLICT (template_id) DO UPDATE SET token_hash = excluded.token_hash, created_by = excluded.created_by,
                created_at = excluded.created_at
            """
        ).run()
        return token
    }

    /// Who made the template's hook, when `token` is its token.
    public func hookOwner(templateID: Int64, token: String) async throws -> String? {
        try await sql.raw(
            """
            SELECT created_by FROM template_hooks WHERE template_id = \(bind: templateID) AND token_hash = \(bind: Token.digest(token))
            """
        ).first(decodingColumn: "created_by", as: String.self)
    }
}
