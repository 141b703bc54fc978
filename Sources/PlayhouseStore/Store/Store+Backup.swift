import Foundation
public import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO

extension Store {
    /// Writes a consistent copy of this SQLite store to `path`, which must not exist, while
    /// the store stays in use: SQLite's `VACUUM INTO` reads the database in one read
    /// transaction (writers go on meanwhile; the copy is the database as of its start) and
    /// writes a compact new file. SQLiteNIO offers no binding to the `sqlite3_backup` API;
    /// this is SQLite's other online copy, never a copy of the file under a writer.
    public func backup(to path: String) async throws {
        guard dialect == .sqlite else {
            throw StoreError(.invalid, "backup copies a SQLite store; back up PostgreSQL with pg_dump (see the README)")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.conflict, "\(path) exists already; back up into a new file")
        }
        try await withSession { try await $0.raw("VACUUM INTO \(bind: path)").run() }
    }

    /// Makes the SQLite store at `path` from a backup, if there is no store there yet or only
    /// an empty one; the store is then opened once, so it is migrated to this version.
    /// Returns how many jobs it holds.
    public static func restore(from backup: String, to path: String, logger: Logger) async throws -> Int {
        guard FileManager.default.fileExists(atPath: backup) else { throw StoreError(.notFound, "there is no backup at \(backup)") }
        if FileManager.default.fileExists(atPath: path) {
            let tables = try await withSQLite(path: path, logger: logger) { store in
                try await store.sql.raw("SELECT COUNT(*) AS n FROM jobs").first(decodingColumn: "n", as: Int.self) ?? 0
            }
            guard tables == 0 else { throw StoreError(.conflict, "\(path) holds jobs already; restore into a new or empty database") }
            try FileManager.default.removeItem(atPath: path)
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        let source = try await SQLiteConnection.open(storage: .file(path: backup), logger: logger).get()
        do {
            let sql = source.sql(queryLogLevel: nil)
            guard (try? await sql.raw("SELECT COUNT(*) AS n FROM jobs").first()) != nil else {
                throw StoreError(.invalid, "\(backup) is not a Playhouse backup: it has no jobs table")
            }
            try await sql.raw("VACUUM INTO \(bind: path)").run()
            try await source.close().get()
        } catch {
            try? await source.close().get()
            throw error
        }
        return try await withSQLite(path: path, logger: logger) { store in
            try await store.sql.raw("SELECT COUNT(*) AS n FROM jobs").first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }
}
