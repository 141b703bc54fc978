import Foundation
public import Logging
import PostgresNIO
import SQLKit
import SQLiteKit

/// Everything durable, as repositories over one database: ``jobs``, ``events``, ``users``,
/// ``credentials``, ``inventories``, ``templates``, ``notificationTargets`` and ``workers``.
///
/// One store API over SQL that both SQLite and PostgreSQL accept; only the schema's column
/// types differ by ``Dialect``. A write of several statements runs in one transaction
/// (``withTransaction(_:)``), whose store hands out repositories bound to it.
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
        case postgres(PostgresLink)
        /// This store is a transaction's: its statements already run inside one, and its
        /// wake-ups wait for the commit.
        case transaction(PendingWakeUps)
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
    /// The numbers of the process that holds the store, for `/metrics`.
    public let metrics: PlayhouseMetrics
    /// For what goes wrong on the side of a write that has already happened.
    let logger: Logger
    /// The way to PostgreSQL, which knows whether it is reachable; nil for SQLite.
    let link: PostgresLink?

    init(
        sql: any SQLDatabase, dialect: Dialect, sessions: Sessions, bcryptWork: AsyncSemaphore = AsyncSemaphore(width: bcryptWidth),
        notifications: Notifications, metrics: PlayhouseMetrics = PlayhouseMetrics(), link: PostgresLink? = nil, logger: Logger,
        close: @escaping @Sendable () async throws -> Void
    ) {
        self.sql = sql
        self.dialect = dialect
        self.sessions = sessions
        self.bcryptWork = bcryptWork
        self.notifications = notifications
        self.metrics = metrics
        self.logger = logger
        self.link = link
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
        // A new database gives the pages of deleted rows back in steps (cleanup); an older
        // one is switched by its first cleanup's VACUUM.
        _ = try await connection.query("PRAGMA auto_vacuum=INCREMENTAL").get()
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
        try await sql.raw(
            """
            INSERT INTO settings (name, value) VALUES ('instance_id', \(bind: UUID().uuidString.lowercased()))
            ON CONFLICT (name) DO NOTHING
            """
        ).run()
        let id = try await sql.raw("SELECT value FROM settings WHERE name = 'instance_id'")
            .first(decodingColumn: "value", as: String.self)
        guard let id else { throw StoreError(.invalid, "the database has no instance id") }
        return id
    }

    /// Whether the database can be reached now, as this process last found; an SQLite
    /// file always can.
    public var databaseStatus: DatabaseStatus { link?.status ?? .reachable(since: nil) }

    func close() async throws {
        try await closeConnection()
    }
}
