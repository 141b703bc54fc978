import Foundation
public import Logging
import PostgresKit
import PostgresNIO

extension Store {
    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/db`,
    /// `?sslmode=require` for TLS, `?host=/socket/dir` for a Unix socket), brings its schema
    /// up to date, and hands the store to `body`. Wake-ups travel between processes with
    /// `LISTEN/NOTIFY` for as long as `body` runs.
    ///
    /// While the database cannot be reached, the store's statements fail at once with
    /// ``StoreError/Code/unavailable`` and ``databaseStatus`` says why; it reconnects by
    /// itself and then wakes every subscriber of ``notifications`` (see `PostgresLink`).
    ///
    /// - Parameter waitLimit: How long to wait for the database at the start, trying again
    ///   with a backoff up to 2 s: nil waits as long as it takes, zero tries once.
    public static func withPostgres<T>(
        url: String, logger: Logger, waitLimit: Duration? = .zero, _ body: (Store) async throws -> T
    ) async throws -> T {
        let target = try PostgresURL.target(from: url)
        let notifications = Notifications()
        let link = PostgresLink(
            target: target, channel: notificationChannel, logger: logger,
            onNotification: { payload in
                if let channel = Notifications.Channel(payload: payload) { notifications.post(channel) }
            },
            onReconnect: { notifications.wakeAll() })
        let store = Store(
            sql: PostgresClientDatabase(link: link, logger: logger), dialect: .postgres, sessions: .postgres(link),
            notifications: notifications, link: link, logger: logger
        ) {}
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await link.run() }
            defer { group.cancelAll() }
            try await link.waitUntilReachable(within: waitLimit)
            try await link.withConnection { connection in
                // One process migrates at a time; the others find the work done.
                _ = try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger)
                do {
                    try await store.migrate(on: connection.sql(queryLogLevel: nil))
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                    throw error
                }
                _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
            }
            return try await body(store)
        }
    }

    static let migrationLock = 7_406_853
}
