import Foundation
import Logging
import PlayhouseCore
import SQLKit

extension Store {
    // MARK: Targets

    public func createNotificationTarget(
        name: String, url: String, events: [NotificationTarget.Event], format: NotificationTarget.Format, templateID: Int64?,
        now: Date = Date()
    ) async throws -> NotificationTarget {
        if try await notificationTargets().contains(where: { $0.name == name }) {
            throw StoreError(.conflict, "a notification named \"\(name)\" already exists")
        }
        let row = try await sql.raw("""
            INSERT INTO notification_targets (name, url, events, format, template_id, created_at)
            VALUES (\(bind: name), \(bind: url), \(bind: events.map(\.rawValue).joined(separator: ",")), \(bind: format.rawValue),
                    \(bind: templateID), \(bind: now.timeIntervalSince1970))
            RETURNING *
            """).first()
        guard let row else { throw StoreError(.invalid, "the database did not return the new notification") }
        return try StoreCoding.notificationTarget(from: row)
    }

    public func deleteNotificationTarget(_ id: Int64) async throws -> Bool {
        try await sql.raw("DELETE FROM notification_targets WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    public func notificationTargets() async throws -> [NotificationTarget] {
        try await sql.raw("SELECT * FROM notification_targets ORDER BY name").all().map(StoreCoding.notificationTarget(from:))
    }

    public func notificationTarget(_ id: Int64) async throws -> NotificationTarget? {
        try await sql.raw("SELECT * FROM notification_targets WHERE id = \(bind: id)").first().map(StoreCoding.notificationTarget(from:))
    }

    // MARK: Deliveries

    /// Queues `event` of a job for every target that wants it; once per target, job and
    /// event, however many processes see the change. Called after the job's own change
    /// is written, so a failure here is logged and does not undo it.
    func enqueueDeliveries(jobID: Int64, templateID: Int64?, status: JobStatus, now: Date) async {
        guard let event = NotificationTarget.event(for: status) else { return }
        do {
            try await insertDeliveries(jobID: jobID, templateID: templateID, event: event, now: now)
        } catch {
            logger.error("could not queue notifications", metadata: ["job": "\(jobID)", "event": .string(event.rawValue), "error": "\(error)"])
        }
    }

    private func insertDeliveries(jobID: Int64, templateID: Int64?, event: NotificationTarget.Event, now: Date) async throws {
        try await sql.raw("""
            INSERT INTO deliveries (target_id, job_id, event, status, next_attempt_at, created_at)
            SELECT id, \(bind: jobID), \(bind: event.rawValue), 'pending', \(bind: now.timeIntervalSince1970), \(bind: now.timeIntervalSince1970)
            FROM notification_targets
            WHERE (template_id IS NULL OR template_id = \(bind: templateID))
              AND (',' || events || ',') LIKE \(bind: "%," + event.rawValue + ",%")
            ON CONFLICT (target_id, job_id, event) DO NOTHING
            """).run()
    }

    /// Takes the oldest delivery that is due, and holds it for `lease` so no other process
    /// sends it meanwhile.
    public func claimDelivery(lease: Duration, now: Date = Date()) async throws -> Delivery? {
        // A read first: most polls find nothing, and should not take the write lock for it.
        guard try await sql.raw("""
            SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= \(bind: now.timeIntervalSince1970) LIMIT 1
            """).first() != nil else { return nil }
        let lock: SQLQueryString = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await sql.raw("""
            UPDATE deliveries SET next_attempt_at = \(bind: now.timeIntervalSince1970 + Double(lease.components.seconds))
            WHERE status = 'pending' AND id = (
                SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= \(bind: now.timeIntervalSince1970)
                ORDER BY next_attempt_at, id LIMIT 1\(lock))
            RETURNING *
            """).first().map(StoreCoding.delivery(from:))
    }

    /// Records one attempt: delivered, to be retried at `retryAt`, or (nil) given up.
    public func recordDeliveryAttempt(
        _ id: Int64, delivered: Bool, responseStatus: Int?, error: String?, retryAt: Date?, now: Date = Date()
    ) async throws {
        let status: Delivery.Status = delivered ? .delivered : retryAt == nil ? .failed : .pending
        try await sql.raw("""
            UPDATE deliveries SET status = \(bind: status.rawValue), attempts = attempts + 1, response_status = \(bind: responseStatus),
                last_error = \(bind: error), next_attempt_at = \(bind: (retryAt ?? now).timeIntervalSince1970),
                delivered_at = \(bind: delivered ? now.timeIntervalSince1970 : nil)
            WHERE id = \(bind: id)
            """).run()
    }

    /// The delivery log of a target, newest first.
    public func deliveries(targetID: Int64, limit: Int = 100) async throws -> [Delivery] {
        try await sql.raw("SELECT * FROM deliveries WHERE target_id = \(bind: targetID) ORDER BY id DESC LIMIT \(bind: limit)")
            .all().map(StoreCoding.delivery(from:))
    }

    // MARK: Inbound hooks

    /// A new trigger token for a template (replacing any earlier one); shown once, stored hashed.
    public func createTemplateHook(templateID: Int64, createdBy: String, now: Date = Date()) async throws -> String {
        let token = "phk_" + Self.randomToken()
        try await sql.raw("""
            INSERT INTO template_hooks (template_id, token_hash, created_by, created_at)
            VALUES (\(bind: templateID), \(bind: Self.digest(token)), \(bind: createdBy), \(bind: now.timeIntervalSince1970))
            ON CONFLICT (template_id) DO UPDATE SET token_hash = excluded.token_hash, created_by = excluded.created_by,
                created_at = excluded.created_at
            """).run()
        return token
    }

    /// Who made the template's hook, when `token` is its token.
    public func templateHookOwner(templateID: Int64, token: String) async throws -> String? {
        try await sql.raw("""
            SELECT created_by FROM template_hooks WHERE template_id = \(bind: templateID) AND token_hash = \(bind: Self.digest(token))
            """).first(decodingColumn: "created_by", as: String.self)
    }
}
