import Foundation
import PlayhouseCore
import SQLKit

extension Store {
    /// Stores a new template; the name must be unused.
    public func createTemplate(name: String, definition: TemplateDefinition, now: Date = Date()) async throws -> JobTemplate {
        if try await templateID(named: name) != nil {
            throw StoreError(.conflict, "a template named \"\(name)\" already exists")
        }
        let time = now.timeIntervalSince1970
        let row = try await sql.raw("""
            INSERT INTO templates (name, definition, created_at, updated_at)
            VALUES (\(bind: name), \(bind: StoreCoding.encode(definition)), \(bind: time), \(bind: time))
            RETURNING *
            """).first()
        guard let row else { throw StoreError(.invalid, "the database did not return the new template") }
        return try StoreCoding.template(from: row)
    }

    /// Replaces a template's name and definition; nil when there is no such template.
    public func updateTemplate(_ id: Int64, name: String, definition: TemplateDefinition, now: Date = Date()) async throws -> JobTemplate? {
        if let existing = try await templateID(named: name), existing != id {
            throw StoreError(.conflict, "a template named \"\(name)\" already exists")
        }
        return try await sql.raw("""
            UPDATE templates SET name = \(bind: name), definition = \(bind: StoreCoding.encode(definition)),
                updated_at = \(bind: now.timeIntervalSince1970)
            WHERE id = \(bind: id)
            RETURNING *
            """).first().map(StoreCoding.template(from:))
    }

    public func deleteTemplate(_ id: Int64) async throws -> Bool {
        try await sql.raw("DELETE FROM templates WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    public func template(_ id: Int64) async throws -> JobTemplate? {
        try await sql.raw("SELECT * FROM templates WHERE id = \(bind: id)").first().map(StoreCoding.template(from:))
    }

    public func templates() async throws -> [JobTemplate] {
        try await sql.raw("SELECT * FROM templates ORDER BY name").all().map(StoreCoding.template(from:))
    }

    private func templateID(named name: String) async throws -> Int64? {
        try await sql.raw("SELECT id FROM templates WHERE name = \(bind: name)").first(decodingColumn: "id", as: Int64.self)
    }
}
