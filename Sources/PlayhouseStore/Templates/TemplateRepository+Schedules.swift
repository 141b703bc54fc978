public import Foundation
public import PlayhouseCore
import SQLKit

extension TemplateRepository {
    /// Stores a schedule of a template or workflow; it first fires at its next time after `now`.
    public func createSchedule(
        for target: LaunchTarget, cron: String, timeZone: String, createdBy: String, now: Date = Date()
    ) async throws -> Schedule {
        let expression = try CronSchedule(cron, timeZone: timeZone)
        return try await sql.raw(
            """
            INSERT INTO schedules (template_id, workflow_id, cron, timezone, next_run_at, created_by, created_at)
            VALUES (\(bind: target.templateID), \(bind: target.workflowID), \(bind: expression.expression), \(bind: timeZone),
                    \(bind: expression.next(after: now)?.timeIntervalSince1970), \(bind: createdBy), \(bind: now.timeIntervalSince1970))
            RETURNING *
            """
        ).inserted("schedule", as: Schedule.self)
    }

    /// Changes a schedule's expression, time zone or whether it is on; its next time is
    /// worked out again from `now`.
    public func updateSchedule(_ id: Int64, cron: String, timeZone: String, enabled: Bool, now: Date = Date()) async throws -> Schedule? {
        let expression = try CronSchedule(cron, timeZone: timeZone)
        return try await updateRow(
            id, in: "schedules",
            set: """
                cron = \(bind: expression.expression), timezone = \(bind: timeZone), enabled = \(bind: enabled ? 1 : 0),
                next_run_at = \(bind: expression.next(after: now)?.timeIntervalSince1970)
                """, as: Schedule.self)
    }

    /// Deletes a schedule; false when there was none.
    public func deleteSchedule(_ id: Int64) async throws -> Bool {
        try await deleteRow(id, from: "schedules")
    }

    /// The schedule with this id, or nil.
    public func schedule(_ id: Int64) async throws -> Schedule? {
        try await row(id, in: "schedules", as: Schedule.self)
    }

    /// All schedules, or those of one template or workflow.
    public func schedules(of target: LaunchTarget? = nil) async throws -> [Schedule] {
        let filter: SQLQueryString =
            switch target {
            case .template(let id)?: "WHERE template_id = \(bind: id)"
            case .workflow(let id)?: "WHERE workflow_id = \(bind: id)"
            case nil: ""
            }
        return try await sql.raw("SELECT * FROM schedules \(filter) ORDER BY id").all(as: Schedule.self)
    }

    /// Enabled schedules whose time has come.
    public func dueSchedules(now: Date = Date()) async throws -> [Schedule] {
        try await sql.raw(
            """
            SELECT * FROM schedules WHERE enabled = 1 AND next_run_at IS NOT NULL AND next_run_at <= \(bind: now.timeIntervalSince1970)
            ORDER BY next_run_at
            """
        ).all(as: Schedule.self)
    }

    /// Moves a due schedule on from `from` to `next`, if no one else has: true for exactly
    /// one of any number of processes that try at once, the one that fires it.
    public func advanceSchedule(_ id: Int64, from: Date, to next: Date?) async throws -> Bool {
        try await sql.raw(
            """
            UPDATE schedules SET next_run_at = \(bind: next?.timeIntervalSince1970)
            WHERE id = \(bind: id) AND next_run_at = \(bind: from.timeIntervalSince1970)
            RETURNING id
            """
        ).first() != nil
    }

    /// Notes the job (or, for a workflow's schedule, the workflow job) a schedule launched.
    public func recordScheduleRun(_ id: Int64, launched: Int64, at time: Date) async throws {
        try await sql.raw(
            """
            UPDATE schedules SET last_run_at = \(bind: time.timeIntervalSince1970),
                last_job_id = CASE WHEN template_id IS NULL THEN NULL ELSE \(bind: launched) END,
                last_workflow_job_id = CASE WHEN template_id IS NULL THEN \(bind: launched) ELSE NULL END
            WHERE id = \(bind: id)
            """
        ).run()
    }

    /// Notes runs that were missed (no server was up), the last of them at `time`.
    public func recordScheduleMissed(_ id: Int64, count: Int, lastAt time: Date) async throws {
        try await sql.raw(
            """
            UPDATE schedules SET missed = missed + \(bind: count), last_missed_at = \(bind: time.timeIntervalSince1970)
            WHERE id = \(bind: id)
            """
        ).run()
    }
}

extension LaunchTarget {
    var templateID: Int64? {
        if case .template(let id) = self { id } else { nil }
    }

    var workflowID: Int64? {
        if case .workflow(let id) = self { id } else { nil }
    }
}
