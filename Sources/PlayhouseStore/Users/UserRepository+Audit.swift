import Foundation
public import PlayhouseCore
import SQLKit

extension UserRepository {
    /// Appends an entry to the audit log.
    public func recordAudit(_ entry: AuditEntry) async throws {
        try await sql.raw(
            """
            INSERT INTO audit_log (time, actor, action, target, source, detail)
            VALUES (\(bind: entry.time.timeIntervalSince1970), \(bind: entry.actor), \(bind: entry.action.rawValue),
                    \(bind: entry.target), \(bind: entry.source), \(bind: entry.detail))
            """
        ).run()
    }

    /// Newest first; `before` pages on with the id of the last entry seen.
    public func auditLog(limit: Int, before: Int64? = nil) async throws -> [AuditEntry] {
        let filter: SQLQueryString = before.map { "WHERE id < \(bind: $0)" } ?? ""
        return try await sql.raw("SELECT * FROM audit_log \(filter) ORDER BY id DESC LIMIT \(bind: limit)").all(as: AuditEntry.self)
    }
}
