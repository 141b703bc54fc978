public import Foundation
public import PlayhouseCore
import SQLKit

/// Where news of jobs starting and ending goes (notification targets), and each event's
/// delivery to each target.
public struct NotificationRepository: Repository {
    let store: Store

    /// Stores a new target for `events` of every job, or only of template `templateID`; the name must be unused.
    public func create(
        name: String, url: String, events: [NotificationTarget.Event], format: NotificationTarget.Format, templateID: Int64?,
        now: Date = Date()
    ) async throws -> NotificationTarget {
        if try await list().contains(where: { $0.name == name }) {
            throw StoreError(.conflict, "a notification named \"\(name)\" already exists")
        }
        return try await sql.raw(
            """
            INSERT INTO notification_targets (name, url, events, format, template_id, created_at)
            VALUES (\(bind: name), \(bind: url), \(bind: events.map(\.rawValue).joined(separator: ",")), \(bind: format.rawValue),
                    \(bind: templateID), \(bind: now.timeIntervalSince1970))
            RETURNING *
            """
        ).inserted("notification", as: NotificationTarget.self)
    }

    /// Deletes a target with its deliveries (the schema cascades); false when there was none.
    public func delete(_ id: Int64) async throws -> Bool {
        try await deleteRow(id, from: "notification_targets")
    }

    /// Every target, by name.
    public func list() async throws -> [NotificationTarget] {
        try await sql.raw("SELECT * FROM notification_targets ORDER BY name").all(as: NotificationTarget.self)
    }

    /// The target with this id, or nil.
    public func find(_ id: Int64) async throws -> NotificationTarget? {
        try await row(id, in: "notification_targets", as: NotificationTarget.self)
    }
}
