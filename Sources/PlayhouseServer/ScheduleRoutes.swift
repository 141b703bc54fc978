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
        read.get("schedules", use: list)
        read.get("templates/:id/schedules", use: listOfTemplate)
        admin.post("templates/:id/schedules", use: create)
        admin.put("schedules/:id", use: update)
        admin.delete("schedules/:id", use: delete)
    }

    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        try await visible(try await store.schedules(), context)
    }

    @Sendable func listOfTemplate(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        try await visible(try await store.schedules(templateID: try JobRoutes.id(context)), context)
    }

    /// `{"cron": "0 3 * * mon-fri", "timezone": "Europe/Berlin"}`; the jobs are launched as
    /// the admin who made it, with the survey's defaults.
    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<ScheduleResponse> {
        let id = try JobRoutes.id(context)
        guard let template = try await store.template(id) else { throw APIError.notFound("template \(id)") }
        if let question = template.definition.survey.first(where: { $0.required && $0.default == nil }) {
            throw APIError(
                .badRequest, "the survey asks \"\(question.question)\", which has no default",
                detail: "a schedule launches without anyone to answer; give the question a default")
        }
        let members = try await RequestBody.object(request, allowed: ["cron", "timezone"])
        let schedule = try await store.createSchedule(
            templateID: id, cron: try RequestBody.string(members, "cron", required: true) ?? "",
            timeZone: try RequestBody.string(members, "timezone") ?? "UTC", createdBy: try context.requireUser().user.name)
        await dependencies.audit(context, "schedule.create", target: "schedule \(schedule.id)", detail: "template \(template.name): \(schedule.cron) \(schedule.timeZone)")
        return EditedResponse(status: .created, headers: [.location: "/api/v1/schedules/\(schedule.id)"], response: ScheduleResponse(schedule))
    }

    /// `{"cron", "timezone", "enabled"}`, each optional.
    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> ScheduleResponse {
        let id = try JobRoutes.id(context)
        guard let existing = try await store.schedule(id) else { throw APIError.notFound("schedule \(id)") }
        let members = try await RequestBody.object(request, allowed: ["cron", "timezone", "enabled"])
        guard let schedule = try await store.updateSchedule(
            id, cron: try RequestBody.string(members, "cron") ?? existing.cron,
            timeZone: try RequestBody.string(members, "timezone") ?? existing.timeZone,
            enabled: try RequestBody.bool(members, "enabled") ?? existing.enabled)
        else { throw APIError.notFound("schedule \(id)") }
        await dependencies.audit(context, "schedule.update", target: "schedule \(id)", detail: "\(schedule.cron) \(schedule.timeZone), \(schedule.enabled ? "on" : "off")")
        return ScheduleResponse(schedule)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard try await store.deleteSchedule(id) else { throw APIError.notFound("schedule \(id)") }
        await dependencies.audit(context, "schedule.delete", target: "schedule \(id)")
        return Response(status: .noContent)
    }

    /// The schedules of templates whose project the caller's grants reach.
    private func visible(_ schedules: [Schedule], _ context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        let access = try context.requireUser().access
        var projects: [Int64: String] = [:]
        for template in try await store.templates() { projects[template.id] = template.definition.parameters.project }
        return ListResponse(key: "schedules", items: schedules.filter { projects[$0.templateID].map(access.allows(project:)) ?? false }.map(ScheduleResponse.init))
    }
}

/// A schedule with its next five runs.
struct ScheduleResponse: ResponseEncodable, Sendable {
    var schedule: Schedule

    init(_ schedule: Schedule) {
        self.schedule = schedule
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

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schedule.id, forKey: .id)
        try container.encode(schedule.templateID, forKey: .templateID)
        try container.encode(schedule.cron, forKey: .cron)
        try container.encode(schedule.timeZone, forKey: .timezone)
        try container.encode(schedule.enabled, forKey: .enabled)
        var next: [String] = []
        if schedule.enabled, let first = schedule.nextRunAt, let expression = try? schedule.expression {
            next = ([first] + expression.upcoming(after: first, count: 4)).map(Timestamp.format)
        }
        try container.encode(next, forKey: .nextRuns)
        try container.encode(schedule.lastRunAt.map(Timestamp.format), forKey: .lastRunAt)
        try container.encode(schedule.lastJobID, forKey: .lastJobID)
        try container.encode(schedule.missed, forKey: .missed)
        try container.encode(schedule.lastMissedAt.map(Timestamp.format), forKey: .lastMissedAt)
        try container.encode(schedule.createdBy, forKey: .createdBy)
    }
}
