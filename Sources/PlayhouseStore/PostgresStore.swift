import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

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
            sql: database, dialect: .postgres, sessions: .postgres(client), notifications: notifications, logger: logger) {}
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
    static let notificationChannel = "playhouse"

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

    /// Wakes this process's subscribers of `channel`, and every other process's too when
    /// the database is shared.
    func announce(_ channel: Notifications.Channel) async {
        notifications.post(channel)
        guard dialect == .postgres, let payload = channel.payload else { return }
        do {
            try await sql.raw("SELECT pg_notify(\(bind: Self.notificationChannel), \(bind: payload))").run()
        } catch {
            Logger(label: "playhouse.store").warning("could not notify other processes: \(error)")
        }
    }
}

extension Notifications.Channel {
    /// The channel as a `NOTIFY` payload; nil for channels that stay in one process.
    var payload: String? {
        switch self {
        case .job(let id): "job:\(id)"
        case .cancel(let id): "cancel:\(id)"
        case .queue: "queue"
        case .heartbeat: nil
        }
    }

    init?(payload: String) {
        let parts = payload.split(separator: ":", maxSplits: 1)
        switch (parts.first, parts.count == 2 ? Int64(parts[1]) : nil) {
        case ("job"?, let id?): self = .job(id)
        case ("cancel"?, let id?): self = .cancel(id)
        case ("queue"?, nil): self = .queue
        default: return nil
        }
    }
}

/// `postgres://` URLs as PostgresNIO's client configuration.
enum PostgresURL {
    static func configuration(from text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw StoreError(.invalid, "the database URL must look like postgres://user:password@host:5432/database")
        }
        let user = url.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        let password = url.percentEncodedPassword?.removingPercentEncoding
        let database = String(url.path.drop { $0 == "/" })
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { _, last in last }
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = url.port ?? 5432
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                database: database.isEmpty ? nil : database)
        }
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let mode: throw StoreError(.invalid, "sslmode \(mode) is not supported; use disable, prefer or require")
        }
        return PostgresClient.Configuration(
            host: url.host ?? "localhost", port: url.port ?? 5432, username: user, password: password,
            database: database.isEmpty ? nil : database, tls: tls)
    }
}

/// SQLKit over PostgresNIO's connection pool: each statement borrows a connection.
struct PostgresClientDatabase: SQLDatabase {
    let client: PostgresClient
    let logger: Logger

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { PostgresDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask {
            try await execute(sql: query, onRow)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.sql(queryLogLevel: nil).execute(sql: query, onRow)
        }
    }
}
