public import Foundation
public import PlayhouseCore
import SQLKit

/// What launches jobs without a person at the form: templates, their hooks and
/// schedules, and the git projects they run.
public struct TemplateRepository: Repository {
    let store: Store

    /// Stores a new template; the name must be unused.
    public func create(name: String, definition: TemplateDefinition, now: Date = Date()) async throws -> JobTemplate {
        if try await id(named: name) != nil {
            throw StoreError(.conflict, "a template named \"\(name)\" already exists")
        }
        let time = now.timeIntervalSince1970
        return try await sql.raw("""
            INSERT INTO templates (name, definition, created_at, updated_at)
            VALUES (\(bind: name), \(bind: JSONColumn.encode(definition)), \(bind: time), \(bind: time))
            RETURNING *
            """).inserted("template", as: JobTemplate.self)
    }

    /// Replaces a template's name and definition; nil when there is no such template.
    public func update(_ id: Int64, name: String, definition: TemplateDefinition, now: Date = Date()) async throws -> JobTemplate? {
        if let existing = try await self.id(named: name), existing != id {
            throw StoreError(.conflict, "a template named \"\(name)\" already exists")
        }
        return try await sql.raw("""
            UPDATE templates SET name = \(bind: name), definition = \(bind: JSONColumn.encode(definition)),
                updated_at = \(bind: now.timeIntervalSince1970)
            WHERE id = \(bind: id)
            RETURNING *
            """).first(as: JobTemplate.self)
    }

    /// Deletes a template with its hook and schedules (the schema cascades); false when
    /// there was none.
    public func delete(_ id: Int64) async throws -> Bool {
        try await sql.raw("DELETE FROM templates WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    /// The template with this id, or nil.
    public func find(_ id: Int64) async throws -> JobTemplate? {
        try await sql.raw("SELECT * FROM templates WHERE id = \(bind: id)").first(as: JobTemplate.self)
    }

    /// Every template, by name.
    public func list() async throws -> [JobTemplate] {
        try await sql.raw("SELECT * FROM templates ORDER BY name").all(as: JobTemplate.self)
    }

    private func id(named name: String) async throws -> Int64? {
        try await sql.raw("SELECT id FROM templates WHERE name = \(bind: name)").first(decodingColumn: "id", as: Int64.self)
    }
}
