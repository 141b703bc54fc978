import Foundation
import Logging
import NIOCore
import NIOPosix
import PlayhouseCore
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit

/// Everything durable: jobs, their events and output, stored inventories.
///
/// One store API over SQL that both SQLite and PostgreSQL accept; only the schema's column
/// types differ by ``Dialect``. A write of several statements runs in one transaction
/// (``withTransaction(_:)``).
public final class Store: Sendable {
    /// The SQL flavour behind the store.
    public enum Dialect: Sendable {
        case sqlite
        case postgres
    }

    /// Where a transaction gets a connection to itself.
    enum Sessions: Sendable {
        /// SQLite's one connection, and the gate that lets one statement or one whole
        /// transaction onto it at a time.
        case sqlite(connection: any SQLDatabase, gate: AsyncSemaphore)
        /// A connection of the pool per transaction.
        case postgres(PostgresClient)
        /// This store is a transaction's: its statements already run inside one.
        case transaction
    }

    let sql: any SQLDatabase
    let dialect: Dialect
    let sessions: Sessions
    /// bcrypt hashes and checks at once, at most ``bcryptWidth``: password checks cannot
    /// take every core from the rest of the server. One gate per store, so one per server
    /// process.
    let bcryptWork: AsyncSemaphore
    static let bcryptWidth = 2
    private let closeConnection: @Sendable () async throws -> Void
    /// Wakes whoever waits on a job, the queue or a cancel.
    public let notifications: Notifications
    /// For what goes wrong on the side of a write that has already happened.
    let logger: Logger

    init(
        sql: any SQLDatabase, dialect: Dialect, sessions: Sessions, bcryptWork: AsyncSemaphore = AsyncSemaphore(width: bcryptWidth),
        notifications: Notifications, logger: Logger, close: @escaping @Sendable () async throws -> Void
    ) {
        self.sql = sql
        self.dialect = dialect
        self.sessions = sessions
        self.bcryptWork = bcryptWork
        self.notifications = notifications
        self.logger = logger
        self.closeConnection = close
    }

    /// Opens (and creates) the SQLite database at `path` with its folder, brings its schema
    /// up to date, hands the store to `body` and closes it when `body` returns or throws.
    public static func withSQLite<T>(path: String, logger: Logger, _ body: (Store) async throws -> T) async throws -> T {
        let store = try await openSQLite(path: path, logger: logger)
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    static func openSQLite(path: String, logger: Logger) async throws -> Store {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger).get()
        let sql = connection.sql(queryLogLevel: nil)
        // WAL lets readers (the API) go on while a runner writes events.
        _ = try await connection.query("PRAGMA journal_mode=WAL").get()
        _ = try await connection.query("PRAGMA synchronous=NORMAL").get()
        _ = try await connection.query("PRAGMA busy_timeout=5000").get()
        _ = try await connection.query("PRAGMA foreign_keys=ON").get()
        let gate = AsyncSemaphore(width: 1)
        let store = Store(
            sql: GatedSQLDatabase(base: sql, gate: gate), dialect: .sqlite, sessions: .sqlite(connection: sql, gate: gate),
            notifications: Notifications(), logger: logger
        ) {
            try await connection.close().get()
        }
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// A random id this database got when it was created: it tells this installation's
    /// processes apart from another's on the same machine.
    public func instanceID() async throws -> String {
        try await sql.raw("""
            INSERT INTO settings (name, value) VALUES ('instance_id', \(bind: UUID().uuidString.lowercased()))
            ON CONFLICT (name) DO NOTHING
            """).run()
        let id = try await sql.raw("SELECT value FROM settings WHERE name = 'instance_id'")
            .first(decodingColumn: "value", as: String.self)
        guard let id else { throw StoreError(.invalid, "the database has no instance id") }
        return id
    }

    func close() async throws {
        try await closeConnection()
    }

    // MARK: Transactions

    /// Runs `body` in one transaction: what it writes through the store it is handed all
    /// happens, or (when it throws) none of it does.
    ///
    /// SQLite runs one transaction at a time. PostgreSQL runs them side by side (READ
    /// COMMITTED), so a decision that rests on rows another transaction may change locks
    /// them first (``forUpdate``). Only the store handed to `body` is in the transaction:
    /// on SQLite, a statement sent through `self` meanwhile waits for the transaction to
    /// end, so `body` must not wait on one. Called on a transaction's store, it joins
    /// that transaction.
    public func withTransaction<T: Sendable>(_ body: (Store) async throws -> T) async throws -> T {
        if case .transaction = sessions { return try await body(self) }
        return try await withSession { session in
            try await transaction(on: session) {
                try await body(Store(
                    sql: session, dialect: dialect, sessions: .transaction, bcryptWork: bcryptWork, notifications: notifications,
                    logger: logger, close: {}))
            }
        }
    }

    /// Hands `body` a connection no other statement uses while it runs.
    func withSession<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        switch sessions {
        case .sqlite(let connection, let gate):
            return try await gate.withPermit { try await body(connection) }
        case .postgres(let client):
            return try await client.withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
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
}

/// SQLite's one connection, one statement at a time, so that a transaction (which holds
/// the gate from BEGIN to COMMIT) has the connection to itself.
struct GatedSQLDatabase: SQLDatabase {
    let base: any SQLDatabase
    let gate: AsyncSemaphore

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask {
            try await execute(sql: query, onRow)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await gate.withPermit { try await base.execute(sql: query, onRow) }
    }
}

/// A store failure worth telling the caller about.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable {
        case notFound
        case conflict
        case invalid
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
