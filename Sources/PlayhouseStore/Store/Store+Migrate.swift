import SQLKit

extension Store {
    /// Applies the schema steps this database has not seen yet.
    func migrate(steps: [MigrationStep] = Migrations.steps) async throws {
        try await withSession { try await migrate(on: $0, steps: steps) }
    }

    /// Applies them on a connection taken for it (PostgreSQL migrates on one holding a
    /// lock). Each step commits together with the note that it was applied: a step cut
    /// short leaves nothing behind, and runs whole at the next start.
    func migrate(on session: any SQLDatabase, steps: [MigrationStep] = Migrations.steps) async throws {
        try await session.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)").run()
        let applied = Set(try await session.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int.self))
        for (index, step) in steps.enumerated() where !applied.contains(index + 1) {
            try await transaction(on: session) {
                // Another process on the same SQLite file may have applied it meanwhile.
                let version = index + 1
                guard try await session.raw("SELECT version FROM schema_migrations WHERE version = \(bind: version)").first() == nil else {
                    return
                }
                try await session.raw(SQLQueryString(Migrations.render(step, for: dialect))).run()
                try await session.raw("INSERT INTO schema_migrations (version) VALUES (\(bind: version))").run()
            }
        }
    }
}
