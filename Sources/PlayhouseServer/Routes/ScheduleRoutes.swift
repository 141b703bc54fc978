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
        read.get("workflows/:id/schedules", use: listOfWorkflow)
        admin.post("templates/:id/schedules", use: createForTemplate)
        admin.post("workflows/:id/schedules", use: createForWorkflow)
        admin.collection("schedules", update: .init(update), delete: .init(delete))
    }

    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        try await visible(try await store.templates.schedules(), context)
    }

    @Sendable func listOfTemplate(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        try await visible(try await store.templates.schedules(of: .template(try JobRoutes.id(context))), context)
    }

    @Sendable func listOfWorkflow(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        try await visible(try await store.templates.schedules(of: .workflow(try JobRoutes.id(context))), context)
    }

    /// `{"cron": "0 3 * * mon-fri", "timezone": "Europe/Berlin"}`; the jobs are launched as
    /// the admin who made it, with the survey's defaults.
    @Sendable func createForTemplate(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<ScheduleResponse> {
        let id = try JobRoutes.id(context)
        let template = try RecordKind.template.found(try await store.templates.find(id), id)
        return try await create(.template(id), named: "template \(template.name)", survey: template.definition.survey, request, context)
    }

    /// The same for a workflow: its runs are launched as the admin who made it.
    @Sendable func createForWorkflow(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<ScheduleResponse> {
        let id = try JobRoutes.id(context)
        let workflow = try RecordKind.workflow.found(try await store.workflows.find(id), id)
        return try await create(.workflow(id), named: "workflow \(workflow.name)", survey: workflow.definition.survey, request, context)
    }

    /// Refuses a survey that something launching with no one to answer (`launcher`: a
    /// schedule, a forge hook) could not fill: a required question without a default.
    static func requireDefaults(_ survey: [SurveyQuestion], launcher: String) throws {
        if let question = survey.first(where: { $0.required && $0.default == nil }) {
            throw APIError(
                .badRequest, "the survey asks \"\(question.question)\", which has no default",
                detail: "\(launcher) launches without anyone to answer; give the question a default")
        }
    }

    private func create(
        _ target: LaunchTarget, named name: String, survey: [SurveyQuestion], _ request: Request, _ context: PlayhouseContext
    ) async throws -> EditedResponse<ScheduleResponse> {
        try Self.requireDefaults(survey, launcher: "a schedule")
        let body = try await request.decode(as: ScheduleRequest.self, context: context)
        let schedule = try await store.templates.createSchedule(
            for: target, cron: body.cron, timeZone: body.timezone ?? "UTC", createdBy: try context.requireUser().user.name)
        await dependencies.audit(
            context, .scheduleCreate, target: RecordKind.schedule.target(schedule.id),
            detail: "\(name): \(schedule.cron) \(schedule.timeZone)")
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

    /// The schedules of templates whose project the caller's grants reach, and of workflows
    /// the caller sees.
    private func visible(_ schedules: [Schedule], _ context: PlayhouseContext) async throws -> ListResponse<ScheduleResponse> {
        let access = try context.requireUser().access
        var projects: [Int64: String] = [:]
        for template in try await store.templates.list() { projects[template.id] = template.definition.parameters.project }
        let workflows = WorkflowService(dependencies: dependencies)
        var seen: [ScheduleResponse] = []
        for schedule in schedules {
            switch schedule.target {
            case .template(let id):
                guard projects[id].map(access.allows(project:)) ?? false else { continue }
            case .workflow(let id):
                guard let workflow = try await store.workflows.find(id), try await workflows.isVisible(workflow.definition, to: access)
                else { continue }
            }
            seen.append(ScheduleResponse(schedule))
        }
        return RecordKind.schedule.list(seen)
    }
}

/// A schedule with its next five runs.
struct ScheduleResponse: ResponseEncodable, Sendable {
    var id: Int64
    @ExplicitNull var templateID: Int64?
    @ExplicitNull var workflowID: Int64?
    var cron: String
    var timezone: String
    var enabled: Bool
    /// None while the schedule is disabled.
    var nextRuns: [String]
    @ExplicitNull var lastRunAt: String?
    @ExplicitNull var lastJobID: Int64?
    @ExplicitNull var lastWorkflowJobID: Int64?
    var missed: Int
    @ExplicitNull var lastMissedAt: String?
    var createdBy: String

    init(_ schedule: Schedule) {
        id = schedule.id
        switch schedule.target {
        case .template(let id):
            templateID = id
            lastJobID = schedule.lastJobID
        case .workflow(let id):
            workflowID = id
            lastWorkflowJobID = schedule.lastJobID
        }
        cron = schedule.cron
        timezone = schedule.timeZone
        enabled = schedule.enabled
        nextRuns = []
        if schedule.enabled, let first = schedule.nextRunAt, let expression = try? schedule.expression {
            nextRuns = ([first] + expression.upcoming(after: first, count: 4)).map(Timestamp.format)
        }
        lastRunAt = schedule.lastRunAt.map(Timestamp.format)
        missed = schedule.missed
        lastMissedAt = schedule.lastMissedAt.map(Timestamp.format)
        createdBy = schedule.createdBy
    }

    enum CodingKeys: String, CodingKey {
        case id, cron, timezone, enabled, missed
        case templateID = "template_id"
        case workflowID = "workflow_id"
        case lastWorkflowJobID = "last_workflow_job_id"
        case nextRuns = "next_runs"
        case lastRunAt = "last_run_at"
        case lastJobID = "last_job_id"
        case lastMissedAt = "last_missed_at"
        case createdBy = "created_by"
    }
}
