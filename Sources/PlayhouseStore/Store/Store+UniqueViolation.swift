import PostgresNIO
import SQLiteNIO

extension Store {
    /// Whether `error` is a write refused by a unique index or primary key, read from the
    /// database's own code: SQLite's extended result codes `SQLITE_CONSTRAINT_UNIQUE` (2067)
    /// and `SQLITE_CONSTRAINT_PRIMARYKEY` (1555), PostgreSQL's SQLSTATE `23505`.
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        switch error {
        case let error as SQLiteError: [.constraintUniqueFailed, .constraintPrimaryKeyFailed].contains(error.reason)
        case let error as PSQLError: error.serverInfo?[.sqlState] == "23505"
        default: false
        }
    }
}
