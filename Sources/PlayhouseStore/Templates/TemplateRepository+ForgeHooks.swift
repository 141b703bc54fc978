public import Foundation
public import PlayhouseCore
import SQLKit

extension TemplateRepository {
    /// Gives a template a forge hook with a new secret, replacing any earlier hook (and
    /// its secret). The secret is returned to be shown once, and stored sealed by `box`.
    public func createForgeHook(
        templateID: Int64, filter: ForgeFilter, createdBy: String, box: SecretBox, now: Date = Date()
    ) async throws -> (hook: ForgeHook, secret: String) {
        try filter.validate()
        let secret = "phf_" + Token.random()
        let hook = try await sql.raw(
            """
            INSERT INTO template_forge_hooks (template_id, secret_sealed, patterns, created_by, created_at)
            VALUES (\(bind: templateID), \(bind: try box.seal(Data(secret.utf8))), \(bind: JSONColumn.encode(filter)),
                    \(bind: createdBy), \(bind: now.timeIntervalSince1970))
            ON CONFLICT (template_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, patterns = excluded.patterns,
                created_by = excluded.created_by, created_at = excluded.created_at
            RETURNING *
            """
        ).first(as: ForgeHook.self)
        guard let hook else { throw StoreError(.invalid, "the database did not keep the forge hook of template \(templateID)") }
        return (hook, secret)
    }

    /// The template's forge hook, or nil.
    public func forgeHook(of templateID: Int64) async throws -> ForgeHook? {
        try await sql.raw("SELECT * FROM template_forge_hooks WHERE template_id = \(bind: templateID)").first(as: ForgeHook.self)
    }

    /// Deletes the template's forge hook; false when there was none.
    public func deleteForgeHook(of templateID: Int64) async throws -> Bool {
        try await sql.raw("DELETE FROM template_forge_hooks WHERE template_id = \(bind: templateID) RETURNING template_id").first() != nil
    }
}

extension ForgeHook: RowDecodable {
    init(row: Row) throws {
        self.init(
            templateID: try row["template_id"], sealedSecret: try row["secret_sealed"], filter: try row.json("patterns"),
            createdBy: try row["created_by"], createdAt: try row.time("created_at"))
    }
}
