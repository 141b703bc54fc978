import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/schedules` and `/api/v1/templates/{id}/schedules`: templates launched by cron
/// expressions, with their next runs.
struct ScheduleRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    func add(read: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.collection("schedules", list: .init(list))
        read.get("templates/:id/schedules", use: listOfTemplate)
        admin.post("templates/:id/schedules", use: create)
        admin.collection("schedules", update: .init(update), delete: .init(delete))
    }

    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        try await visible(try await store.templates.schedules(), context)
    }

    @Sendable func listOfTemplate(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        try await visible(try await store.templates.schedules(templateID: try JobRoutes.id(context)), context)
    }

    /// `{"cron": "0 3 * * mon-fri", "timezone": "Europe/Berlin"}`; the jobs are launched as
    /// the admin who made it, with the survey's defaults.
    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<ScheduleResponse> {
        let id = try JobRoutes.id(context)
        let template = try RecordKind.template.found(try await store.templates.find(id), id)
        if let question = template.definition.survey.first(where: { $0.required && $0.default == nil }) {
            throw APIError(
                .badRequest, "the survey asks \"\(question.question)\", which has no default",
                detail: "a schedule launches without anyone to answer; give the question a default")
        }
        let body = try await request.decode(as: ScheduleRequest.self, context: context)
        let schedule = try await store.templates.createSchedule(
            templateID: id, cron: body.cron, timeZone: body.timezone ?? "UTC", createdBy: try context.requireUser().user.name)
        await dependencies.audit(
            context, .scheduleCreate, target: RecordKind.schedule.target(schedule.id),
            detail: "template \(template.name): \(schedule.cron) \(schedule.timeZone)")
        return RecordKind.schedule.created(ScheduleResponse(schedule), id: schedule.id)
    }

    /// `{"cron", "timezone", "enabled"}`, each optional.
    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> ScheduleResponse {
        let id = try JobRoutes.id(context)
        let existing = try RecordKind.schedule.found(try await store.templates.schedule(id), id)
        let body = try await request.decode(as: ScheduleUpdate.self, context: context)
        let schedule = try RecordKind.schedule.found(
            try await store.templates.updateSchedule(
                id, cron: body.cron ?? existing.cron, timeZone: body.timezone ?? existing.timeZone,
                enabled: body.enabled ?? existing.enabled),
            id)
        await dependencies.audit(
            context, .scheduleUpdate, target: RecordKind.schedule.target(id),
            detail: "\(schedule.cron) \(schedule.timeZone), \(schedule.enabled ? "on" : "off")")
        return ScheduleResponse(schedule)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await dependencies.delete(.schedule, context, audit: .scheduleDelete, remove: store.templates.deleteSchedule)
    }

    /// The schedules of templates whose project the caller's grants reach.
    private func visible(_ schedules: [Schedule], _ context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        let access = try context.requireUser().access
        var projects: [Int64: String] = [:]
        for template in try await store.templates.list() { projects[template.id] = template.definition.parameters.project }
        return RecordKind.schedule.list(
            schedules.filter { projects[$0.templateID].map(access.allows(project:)) ?? false }.map(ScheduleResponse.init))
    }
}

/// A schedule with its next five runs.
struct ScheduleResponse: ResponseEncodable, Sendable {
    var id: Int64
    var templateID: Int64
    var cron: String
    var timezone: String
    var enabled: Bool
    /// None while the schedule is disabled.
    var nextRuns: [String]
    @ExplicitNull var lastRunAt: String?
    @ExplicitNull var lastJobID: Int64?
    var missed: Int
    @ExplicitNull var lastMissedAt: String?
    var createdBy: String

    init(_ schedule: Schedule) {
        id = schedule.id
        templateID = schedule.templateID
        cron = schedule.cron
        timezone = schedule.timeZone
        enabled = schedule.enabled
        nextRuns = []
        if schedule.enabled, let first = schedule.nextRunAt, let expression = try? schedule.expression {
            nextRuns = ([first] + expression.upcoming(after: first, count: 4)).map(Timestamp.format)
        }
        lastRunAt = schedule.lastRunAt.map(Timestamp.format)
        lastJobID = schedule.lastJobID
        missed = schedule.missed
        lastMissedAt = schedule.lastMissedAt.map(Timestamp.format)
        createdBy = schedule.createdBy
    }

    enum CodingKeys: String, CodingKey {
        case id, cron, timezone, enabled, missed
        case templateID = "template_id"
        case nextRuns = "next_runs"
        case lastRunAt = "last_run_at"
        case lastJobID = "last_job_id"
        case lastMissedAt = "last_missed_at"
        case createdBy = "created_by"
    }
}
