public import Foundation
public import PlayhouseCore
import SQLKit

/// What launches jobs without a person at the form: templates, their hooks and
/// schedules, and the git projects they run.
public struct TemplateRepository: Repository {
    let store: Store

    /// Stores a new template; the name must be unused.
    public func create(name: String, definition: TemplateDefinition, now: Date = Date()) async throws -> JobTemplate {
        try await checkNameIsFree(name, in: "templates", what: "a template")
        let time = now.timeIntervalSince1970
        return try await sql.raw(
            """
            INSERT INTO templates (name, definition, created_at, updated_at)
            VALUES (\(bind: name), \(bind: JSONColumn.encode(definition)), \(bind: time), \(bind: time))
            RETURNING *
            """
        ).inserted("template", as: JobTemplate.self)
    }

    /// Replaces a template's name and definition; nil when there is no such template.
    public func update(_ id: Int64, name: String, definition: TemplateDefinition, now: Date = Date()) async throws -> JobTemplate? {
        try await checkNameIsFree(name, in: "templates", except: id, what: "a template")
        return try await updateRow(
            id, in: "templates",
            set: """
                name = \(bind: name), definition = \(bind: JSONColumn.encode(definition)), updated_at = \(bind: now.timeIntervalSince1970)
                """, as: JobTemplate.self)
    }

    /// Deletes a template with its hook and schedules (the schema cascades); false when
    /// there was none.
    public func delete(_ id: Int64) async throws -> Bool {
        try await deleteRow(id, from: "templates")
    }

    /// The template with this id, or nil.
    public func find(_ id: Int64) async throws -> JobTemplate? {
        try await row(id, in: "templates", as: JobTemplate.self)
    }

    /// The template named so, or nil.
    public func named(_ name: String) async throws -> JobTemplate? {
        try await sql.raw("SELECT * FROM templates WHERE name = \(bind: name)").first(as: JobTemplate.self)
    }

    /// Every template, by name.
    public func list() async throws -> [JobTemplate] {
        try await sql.raw("SELECT * FROM templates ORDER BY name").all(as: JobTemplate.self)
    }
}
