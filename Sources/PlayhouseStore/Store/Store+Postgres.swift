import Foundation
public import Logging
import PostgresKit
import PostgresNIO

extension Store {
    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/db`,
    /// `?sslmode=require` for TLS, `?host=/socket/dir` for a Unix socket), brings its schema
    /// up to date, and hands the store to `body`. Wake-ups travel between processes with
    /// `LISTEN/NOTIFY` for as long as `body` runs.
    public static func withPostgres<T>(url: String, logger: Logger, _ body: (Store) async throws -> T) async throws -> T {
        let configuration = try PostgresURL.configuration(from: url)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let notifications = Notifications()
        let database = PostgresClientDatabase(client: client, logger: logger)
        let store = Store(
            sql: database, dialect: .postgres, sessions: .postgres(client), notifications: notifications, logger: logger
        ) {}
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.withConnection { connection in
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
            let ready = AsyncStream.makeStream(of: Void.self)
            group.addTask {
                await Self.relayNotifications(client: client, into: notifications, ready: ready.continuation, logger: logger)
            }
            for await _ in ready.stream { break }
            return try await body(store)
        }
    }

    static let migrationLock = 7_406_853

    /// Turns the database's notifications into local wake-ups, reconnecting after errors.
    private static func relayNotifications(
        client: PostgresClient, into notifications: Notifications,
        ready: AsyncStream<Void>.Continuation, logger: Logger
    ) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: notificationChannel) { stream in
                        ready.yield()
                        for try await notification in stream {
                            if let channel = Notifications.Channel(payload: notification.payload) {
                                notifications.post(channel)
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning("lost the database notification connection; reconnecting", metadata: ["error": "\(error)"])
                ready.yield()
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        ready.finish()
    }
}
