import Logging
import NIOCore
import SQLKit

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
