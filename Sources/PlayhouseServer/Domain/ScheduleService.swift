import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import ServiceLifecycle

/// Fires due schedules of templates and workflows: every server runs one, and the store lets exactly one of them fire
/// each run (``Store/advanceSchedule(_:from:to:)`` is a compare-and-set on the run's time).
/// A run more than ``grace`` late, because no server was up when it was due, is reported as
/// missed (audit log and the schedule's `missed`) instead of being fired late.
struct ScheduleService: Service {
    let dependencies: ServerDependencies
    let interval: Duration
    let logger: Logger

    /// How late a run may still fire: a server busy or restarting for a moment is not downtime.
    static let grace: TimeInterval = 120

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await tick(now: Date())
                } catch  where !Task.isCancelled {
                    // While the database is away the store has said so; a late run still fires within the grace.
                    if !Store.isUnavailable(error) { logger.error("could not fire schedules: \(error)") }
                } catch {
                    return
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Fires or reports every schedule due at `now`; returns the jobs it launched.
    @discardableResult
    func tick(now: Date) async throws -> [Int64] {
        let store = dependencies.store
        var launched: [Int64] = []
        for schedule in try await store.templates.dueSchedules(now: now) {
            guard let due = schedule.nextRunAt, let expression = try? schedule.expression else { continue }
            guard try await store.templates.advanceSchedule(schedule.id, from: due, to: expression.next(after: now)) else { continue }
            if now.timeIntervalSince(due) > Self.grace {
                var count = 1
                var time = due
                while count < 100_000, let later = expression.next(after: time), later <= now {
                    count += 1
                    time = later
                }
                try await store.templates.recordScheduleMissed(schedule.id, count: count, lastAt: due)
                await dependencies.audit(
                    AuditEntry(
                        actor: schedule.createdBy, action: .scheduleMissed, target: "schedule \(schedule.id)",
                        source: "scheduler", detail: "\(count) run(s) missed while no server was up, due from \(Timestamp.format(due))"),
                    logger: logger)
                logger.warning("schedule missed runs", metadata: ["schedule": "\(schedule.id)", "missed": "\(count)"])
                continue
            }
            do {
                let job = try await fire(schedule)
                try await store.templates.recordScheduleRun(schedule.id, launched: job, at: now)
                launched.append(job)
            } catch {
                let message = (error as? ValidationError)?.message ?? (error as? DomainError)?.description ?? "\(error)"
                await dependencies.audit(
                    AuditEntry(
                        actor: schedule.createdBy, action: .scheduleFailed, target: "schedule \(schedule.id)", source: "scheduler",
                        detail: message),
                    logger: logger)
                logger.error("schedule could not launch", metadata: ["schedule": "\(schedule.id)", "error": .string(message)])
            }
        }
        return launched
    }

    /// Launches the schedule's template or workflow as its creator (with their grants),
    /// with the survey's defaults; the job's (or workflow job's) id.
    private func fire(_ schedule: Schedule) async throws -> Int64 {
        let launches = dependencies.launches
        let store = dependencies.store
        guard let owner = try await launches.owner(named: schedule.createdBy) else {
            throw ValidationError("\(schedule.createdBy), who made the schedule, no longer may launch jobs")
        }
        let origin = LaunchService.Origin(source: "scheduler", via: "schedule \(schedule.id)", logger: logger)
        switch schedule.target {
        case .template(let id):
            guard let template = try await store.templates.find(id) else { throw ValidationError("template \(id) no longer exists") }
            return try await launches.launch(template, overrides: LaunchOverrides(), answers: [:], by: owner, from: origin).job.id
        case .workflow(let id):
            guard let workflow = try await store.workflows.find(id) else { throw ValidationError("workflow \(id) no longer exists") }
            let source = WorkflowService.Source(workflow)
            return try await WorkflowService(dependencies: dependencies).launch(source, input: .init(), by: owner, from: origin).id
        }
    }
}
