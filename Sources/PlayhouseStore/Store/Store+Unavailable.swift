import PostgresNIO
import _ConnectionPoolModule

extension Store {
    /// Whether `error` says the database could not be reached (stopped, restarting, the
    /// connection dropped) rather than that it refused the statement: the same statement
    /// is worth sending again once the database is back.
    ///
    /// Read from PostgresNIO's error codes and the server's SQLSTATE: class 08 (connection
    /// exception), 57P01 to 57P03 (the server shuts down or has not started yet) and
    /// 53300 (too many connections, as while a restart's old sessions linger); and the pool's
    /// own errors that PostgresNIO passes on unmapped: a pool shut down (the link retires it
    /// when the database goes away, failing what was waiting on it) or one that could not
    /// connect for too long.
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case let error as StoreError:
            return error.code == .unavailable
        case let error as ConnectionPoolError:
            return error == .poolShutdown || error == .connectionCreationCircuitBreakerTripped
        case let error as PSQLError:
            if let state = error.serverInfo?[.sqlState] {
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
            }
            return Self.connectionFailures.contains(error.code)
        default:
            return false
        }
    }

    private static let connectionFailures: Set<PSQLError.Code> = [
        .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
    ]
}
