import PlayhouseCore
import SQLKit

extension JobStatus {
    /// The status as it is written in SQL: the one place a status becomes SQL text. It is
    /// written as a literal, not bound, so that conditions match the partial index
    /// `jobs_one_running_per_key`, which the planners compare literally.
    var sqlLiteral: String { "'\(rawValue)'" }
}

extension SQLQueryString {
    /// `\(status: .running)` in a query: the status as a SQL literal.
    mutating func appendInterpolation(status: JobStatus) {
        appendInterpolation(unsafeRaw: status.sqlLiteral)
    }

    /// `IN (\(statuses: [.queued, .running]))`: a list of status literals.
    mutating func appendInterpolation(statuses: [JobStatus]) {
        appendInterpolation(unsafeRaw: statuses.map(\.sqlLiteral).joined(separator: ", "))
    }
}
