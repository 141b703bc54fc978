import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/templates`: launches prepared by admins, with what a launcher may change and
/// the survey the launch form asks.
struct TemplateRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    func add(read: RouterGroup<PlayhouseContext>, operate: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.get("launch-fields", use: launchFields)
        read.collection("templates", list: .init(list), show: .init(show))
        read.get("templates/:id/survey", use: survey)
        operate.post("templates/:id/launch", use: launch)
        admin.collection("templates", create: .init(create), update: .init(update), delete: .init(delete))
    }

    /// Every launch field, and those a template may prompt for: the page builds its forms
    /// from these.
    @Sendable func launchFields(_ request: Request, context: PlayhouseContext) async throws -> LaunchFieldsResponse {
        LaunchFieldsResponse(fields: LaunchField.names(LaunchField.allCases), promptable: LaunchField.names(LaunchField.promptable))
    }

    /// The templates of the projects the caller's grants reach.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<TemplateResponse> {
        let access = try context.requireUser().access
        let templates = try await store.templates.list().filter { access.allows(project: $0.definition.parameters.project) }
        return RecordKind.template.list(templates.map(TemplateResponse.init))
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> TemplateResponse {
        TemplateResponse(try await template(context))
    }

    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<TemplateResponse> {
        let (name, definition) = try await decode(request, context: context)
        let template = try await store.templates.create(name: name, definition: definition)
        await dependencies.audit(context, .templateCreate, target: RecordKind.template.target(template.id, name))
        return RecordKind.template.created(TemplateResponse(template), id: template.id)
    }

    /// Replaces the template; `env` left out keeps the environment it had, since its
    /// values are never shown to be sent back (`"env": {}` clears it).
    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> TemplateResponse {
        let id = try JobRoutes.id(context)
        var (name, definition) = try await decode(request, context: context)
        if definition.parameters.env == nil, let existing = try await store.templates.find(id) {
            definition.parameters.env = existing.definition.parameters.env
        }
        let template = try RecordKind.template.found(try await store.templates.update(id, name: name, definition: definition), id)
        await dependencies.audit(context, .templateUpdate, target: RecordKind.template.target(id, name))
        return TemplateResponse(template)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await dependencies.delete(.template, context, audit: .templateDelete, remove: store.templates.delete)
    }

    /// The survey as the launch form shows it now: every question, choices resolved from
    /// their URL or inventory group.
    @Sendable func survey(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<SurveyQuestion> {
        let template = try await template(context)
        let identity = try context.requireUser()
        var questions: [SurveyQuestion] = []
        for var question in template.definition.survey {
            question.choices = try await dependencies.launches.surveyChoices(of: question, in: template, for: identity)
            questions.append(question)
        }
        return ListResponse(key: "questions", items: questions)
    }

    /// `{…the launch fields the template prompts for, "survey": {variable: answer}}`.
    @Sendable func launch(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<JobResponse> {
        let identity = try context.requireUser()
        let template = try await template(context)
        let body = try await request.decode(as: TemplateLaunchRequest.self, context: context)
        return JobResponse.accepted(
            try await dependencies.launches.launch(
                template, overrides: body.launch.overrides, answers: body.answers, by: identity, from: .init(context)))
    }

    /// The template in the path, if the caller's grants reach its project.
    private func template(_ context: PlayhouseContext) async throws -> JobTemplate {
        let id = try JobRoutes.id(context)
        let access = try context.requireUser().access
        guard let template = try await store.templates.find(id), access.allows(project: template.definition.parameters.project) else {
            throw RecordKind.template.notFound(id)
        }
        return template
    }

    /// The template in the body, whose playbook exists.
    func decode(_ request: Request, context: PlayhouseContext) async throws -> (String, TemplateDefinition) {
        let body = try await request.decode(as: TemplateRequest.self, context: context)
        let parameters = body.definition.parameters
        try body.definition.validate()
        let catalog = dependencies.catalog
        let inGit = try await dependencies.store.templates.gitProject(named: parameters.project, unlessFolderIn: catalog) != nil
        let location = try catalog.locate(parameters, inGit: inGit)
        // Launch checks this only when the job runs; a template is saved to be used many times.
        guard inGit || FileManager.default.fileExists(atPath: location.playbook) else {
            throw APIError(
                .badRequest, "playbook \(parameters.playbook) does not exist in project \(parameters.project)",
                detail: "list the playbooks with GET /api/v1/projects/\(parameters.project)/playbooks")
        }
        return (body.name, body.definition)
    }
}
