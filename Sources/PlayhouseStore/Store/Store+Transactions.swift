import PostgresKit
import PostgresNIO
import SQLKit

extension Store {
    /// Runs `body` in one transaction: what it writes through the store it is handed all
    /// happens, or (when it throws) none of it does. The wake-ups it sends go out after
    /// the commit, so that no one is woken to read what is not there yet.
    ///
    /// SQLite runs one transaction at a time. PostgreSQL runs them side by side (READ
    /// COMMITTED), so a decision that rests on rows another transaction may change locks
    /// them first (``forUpdate``). Only the store handed to `body` is in the transaction:
    /// on SQLite, a statement sent through `self` meanwhile waits for the transaction to
    /// end, so `body` must not wait on one. Called on a transaction's store, it joins
    /// that transaction.
    public func withTransaction<T: Sendable>(_ body: (Store) async throws -> T) async throws -> T {
        if case .transaction = sessions { return try await body(self) }
        let wakeUps = PendingWakeUps()
        let result = try await withSession { session in
            try await transaction(on: session) {
                try await body(
                    Store(
                        sql: session, dialect: dialect, sessions: .transaction(wakeUps), bcryptWork: bcryptWork,
                        notifications: notifications, metrics: metrics, link: link, logger: logger, close: {}))
            }
        }
        for channel in wakeUps.take() { await announce(channel) }
        return result
    }

    /// Hands `body` a connection no other statement uses while it runs.
    func withSession<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        switch sessions {
        case .sqlite(let connection, let gate):
            return try await gate.withPermit { try await body(connection) }
        case .postgres(let link):
            return try await link.withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
        case .transaction:
            return try await body(sql)
        }
    }

    /// BEGIN, `body`, COMMIT on `session`; ROLLBACK when `body` throws.
    func transaction<T>(on session: any SQLDatabase, _ body: () async throws -> T) async throws -> T {
        // IMMEDIATE takes SQLite's write lock at once: a transaction that first reads could
        // otherwise find, when it comes to write, that another process wrote meanwhile.
        try await session.raw(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
        do {
            let result = try await body()
            try await session.raw("COMMIT").run()
            return result
        } catch {
            // What went wrong is the caller's news; a failed rollback ends with the connection anyway.
            try? await session.raw("ROLLBACK").run()
            throw error
        }
    }

    /// Locks the rows a `SELECT` reads until the transaction ends (PostgreSQL); SQLite
    /// needs nothing, its transactions never overlap.
    var forUpdate: SQLQueryString { dialect == .postgres ? " FOR UPDATE" : "" }

    /// Like ``forUpdate``, but passes over rows another transaction holds: for claims,
    /// where any free row will do.
    var forUpdateSkipLocked: SQLQueryString { dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }
}
