import Foundation
import SQLKit

/// A `LIKE` that finds text inside a column, letters in either case, with `%`, `_` and
/// `\` in the text matched as themselves.
enum LikePattern {
    /// `lower(column) LIKE '%text%' ESCAPE '\'`; `column` is written in this module, never input.
    static func contains(_ text: String, in column: StaticString) -> SQLQueryString {
        let escaped = text.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return "lower(\(unsafeRaw: "\(column)")) LIKE \(bind: "%\(escaped)%") ESCAPE '\\'"
    }

    /// `column IN (…)` for `values`; `FALSE` (as `1 = 0`) when there are none.
    static func oneOf(_ values: some Collection<String>, in column: StaticString) -> SQLQueryString {
        guard !values.isEmpty else { return "1 = 0" }
        return "\(unsafeRaw: "\(column)") IN (\(binds: Array(values)))"
    }
}
