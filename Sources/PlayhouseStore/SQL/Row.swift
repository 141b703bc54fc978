import Foundation
import SQLKit

/// A model the store reads from one row of a query.
protocol RowDecodable {
    init(row: Row) throws
}

/// One row of a query, read by column as the schema stores values: times as seconds since
/// 1970, flags as 0 or 1, enumerations by raw value, documents as JSON text.
struct Row {
    let base: any SQLRow

    subscript<T: Decodable>(_ column: String) -> T {
        get throws { try base.decode(column: column, as: T.self) }
    }

    func date(_ column: String) throws -> Date? {
        let seconds: Double? = try self[column]
        return seconds.map { Date(timeIntervalSince1970: $0) }
    }

    /// A time every row has; a missing one reads as 1970 rather than failing the row.
    func time(_ column: String) throws -> Date {
        try date(column) ?? Date(timeIntervalSince1970: 0)
    }

    func flag(_ column: String) throws -> Bool {
        try self[column] as Int != 0
    }

    /// A value this build does not know fails the row: acting on a guess could do harm.
    func value<T: RawRepresentable<String>>(_ column: String) throws -> T {
        let text: String = try self[column]
        guard let value = T(rawValue: text) else { throw StoreError(.invalid, "a row has an unknown \(column) \(text)") }
        return value
    }

    /// For values that only describe a row: one this build does not know reads as `fallback`.
    func value<T: RawRepresentable<String>>(_ column: String, or fallback: T) throws -> T {
        T(rawValue: try self[column]) ?? fallback
    }

    func json<T: Decodable>(_ column: String) throws -> T {
        try JSONColumn.decode(T.self, try self[column])
    }
}

extension SQLQueryFetcher {
    func all<T: RowDecodable>(as type: T.Type) async throws -> [T] {
        try await all().map { try T(row: Row(base: $0)) }
    }

    func first<T: RowDecodable>(as type: T.Type) async throws -> T? {
        try await first().map { try T(row: Row(base: $0)) }
    }

    /// The row an `INSERT … RETURNING *` wrote; `what` names it when there is none.
    func inserted<T: RowDecodable>(_ what: String, as type: T.Type) async throws -> T {
        guard let row = try await first(as: type) else { throw StoreError(.invalid, "the database did not return the new \(what)") }
        return row
    }
}
