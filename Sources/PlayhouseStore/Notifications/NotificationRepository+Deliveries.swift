public import Foundation
import Logging
public import PlayhouseCore
import SQLKit

extension NotificationRepository {
    /// Queues the event a job's new `status` makes for every target that wants it; once per
    /// target, job and event, however many processes see the change. Called after the
    /// job's own change is committed, so a failure here is logged and does not undo it.
    func enqueueDeliveries(jobID: Int64, templateID: Int64?, status: JobStatus, now: Date) async {
        guard let event = NotificationTarget.event(for: status) else { return }
        do {
            try await sql.raw(
                """
                INSERT INTO deliveries (target_id, job_id, event, status, next_attempt_at, created_at)
                SELECT id, \(bind: jobID), \(bind: event.rawValue), \(bind: Delivery.Status.pending.rawValue),
                       \(bind: now.timeIntervalSince1970), \(bind: now.timeIntervalSince1970)
                FROM notification_targets
                WHERE (template_id IS NULL OR template_id = \(bind: templateID))
                  AND (',' || events || ',') LIKE \(bind: "%," + event.rawValue + ",%")
                ON CONFLICT (target_id, job_id, approval_id, event) DO NOTHING
                """
            ).run()
        } catch {
            store.logger.error(
                "could not queue notifications", metadata: ["job": "\(jobID)", "event": .string(event.rawValue), "error": "\(error)"])
        }
    }

    /// Queues the news that approval `approvalID` waits, for every target that wants
    /// approvals and is not limited to one template's jobs; once per target and approval.
    public func enqueueApproval(_ approvalID: Int64, now: Date = Date()) async {
        let event = NotificationTarget.Event.approval.rawValue
        do {
            try await sql.raw(
                """
                INSERT INTO deliveries (target_id, approval_id, event, status, next_attempt_at, created_at)
                SELECT id, \(bind: approvalID), \(bind: event), \(bind: Delivery.Status.pending.rawValue),
                       \(bind: now.timeIntervalSince1970), \(bind: now.timeIntervalSince1970)
                FROM notification_targets
                WHERE template_id IS NULL AND (',' || events || ',') LIKE \(bind: "%," + event + ",%")
                ON CONFLICT (target_id, job_id, approval_id, event) DO NOTHING
                """
            ).run()
        } catch {
            store.logger.error("could not queue notifications", metadata: ["approval": "\(approvalID)", "error": "\(error)"])
        }
    }

    /// Takes the oldest delivery that is due, and holds it for `lease` so no other process
    /// sends it meanwhile.
    public func claimDelivery(lease: Duration, now: Date = Date()) async throws -> Delivery? {
        let pending = Delivery.Status.pending.rawValue
        // A read first: most polls find nothing, and should not take the write lock for it.
        guard
            try await sql.raw(
                """
                SELECT id FROM deliveries WHERE status = \(bind: pending) AND next_attempt_at <= \(bind: now.timeIntervalSince1970) LIMIT 1
                """
            ).first() != nil
        else { return nil }
        return try await sql.raw(
            """
            UPDATE deliveries SET next_attempt_at = \(bind: now.timeIntervalSince1970 + lease.inSeconds)
            WHERE status = \(bind: pending) AND id = (
                SELECT id FROM deliveries WHERE status = \(bind: pending) AND next_attempt_at <= \(bind: now.timeIntervalSince1970)
                ORDER BY next_attempt_at, id LIMIT 1\(store.forUpdateSkipLocked))
            RETURNING *
            """
        ).first(as: Delivery.self)
    }

    /// Records one attempt: delivered, to be retried at `retryAt`, or (nil) given up.
    public func recordDeliveryAttempt(
        _ id: Int64, delivered: Bool, responseStatus: Int?, error: String?, retryAt: Date?, now: Date = Date()
    ) async throws {
        let status: Delivery.Status = delivered ? .delivered : retryAt == nil ? .failed : .pending
        try await sql.raw(
            """
            UPDATE deliveries SET status = \(bind: status.rawValue), attempts = attempts + 1, response_status = \(bind: responseStatus),
                last_error = \(bind: error), next_attempt_at = \(bind: (retryAt ?? now).timeIntervalSince1970),
                delivered_at = \(bind: delivered ? now.timeIntervalSince1970 : nil)
            WHERE id = \(bind: id)
            """
        ).run()
    }

    /// Puts a delivery off until `until` without counting an attempt, saying why in its
    /// `last_error`: this process cannot send it, another may.
    public func postponeDelivery(_ id: Int64, reason: String, until: Date) async throws {
        try await sql.raw(
            """
            UPDATE deliveries SET last_error = \(bind: reason), next_attempt_at = \(bind: until.timeIntervalSince1970)
            WHERE id = \(bind: id) AND status = \(bind: Delivery.Status.pending.rawValue)
            """
        ).run()
    }

    /// The delivery log of a target, newest first.
    public func deliveries(targetID: Int64, limit: Int = 100) async throws -> [Delivery] {
        try await sql.raw("SELECT * FROM deliveries WHERE target_id = \(bind: targetID) ORDER BY id DESC LIMIT \(bind: limit)")
            .all(as: Delivery.self)
    }
}
