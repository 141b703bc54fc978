import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/templates`: launches prepared by admins, with what a launcher may change and
/// the survey the launch form asks.
struct TemplateRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    static let fields: Set<String> = JobRoutes.launchFields.union([
        "name", "description", "prompts", "allow_concurrent", "survey", "allowed_vars", "allowed_env",
    ])

    func add(read: RouterGroup<PlayhouseContext>, operate: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.get("templates", use: list)
        read.get("templates/:id", use: show)
        read.get("templates/:id/survey", use: survey)
        operate.post("templates/:id/launch", use: launch)
        admin.post("templates", use: create)
        admin.put("templates/:id", use: update)
        admin.delete("templates/:id", use: delete)
    }

    /// The templates of the projects the caller's grants reach.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<TemplateResponse> {
        let access = try context.requireUser().access
        let templates = try await store.templates().filter { access.allows(project: $0.definition.parameters.project) }
        return ListResponse(key: "templates", items: templates.map(TemplateResponse.init))
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> TemplateResponse {
        TemplateResponse(try await template(context))
    }

    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<TemplateResponse> {
        let (name, definition) = try await decode(request)
        let template = try await store.createTemplate(name: name, definition: definition)
        await dependencies.audit(context, "template.create", target: "template \(template.id) \(name)")
        return EditedResponse(status: .created, headers: [.location: "/api/v1/templates/\(template.id)"], response: TemplateResponse(template))
    }

    /// Replaces the template; `env` left out keeps the environment it had, since its
    /// values are never shown to be sent back (`"env": {}` clears it).
    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> TemplateResponse {
        let id = try JobRoutes.id(context)
        var (name, definition) = try await decode(request)
        if definition.parameters.env == nil, let existing = try await store.template(id) {
            definition.parameters.env = existing.definition.parameters.env
        }
        guard let template = try await store.updateTemplate(id, name: name, definition: definition) else {
            throw APIError.notFound("template \(id)")
        }
        await dependencies.audit(context, "template.update", target: "template \(id) \(name)")
        return TemplateResponse(template)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard try await store.deleteTemplate(id) else { throw APIError.notFound("template \(id)") }
        await dependencies.audit(context, "template.delete", target: "template \(id)")
        return Response(status: .noContent)
    }

    /// The survey as the launch form shows it now: every question, choices resolved from
    /// their URL or inventory group.
    @Sendable func survey(_ request: Request, context: PlayhouseContext) async throws -> SurveyResponse {
        let template = try await template(context)
        let identity = try context.requireUser()
        var questions: [SurveyQuestion] = []
        for var question in template.definition.survey {
            question.choices = try await choices(of: question, template: template, identity: identity)
            questions.append(question)
        }
        return SurveyResponse(questions: questions)
    }

    /// `{…the launch fields the template prompts for, "survey": {variable: answer}}`.
    @Sendable func launch(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<JobResponse> {
        let identity = try context.requireUser()
        let template = try await template(context)
        let members = try await RequestBody.optionalObject(request, allowed: JobRoutes.launchFields.union(["survey"]))
        return try await launch(template, members: members, identity: identity, context: context)
    }

    /// Launches `template` for `identity` with what `members` sets (only prompted fields)
    /// and answers; `via` names another way in than the API (a webhook) in the audit log.
    func launch(
        _ template: JobTemplate, members: [String: JSONValue], identity: Identity, context: PlayhouseContext, via: String? = nil
    ) async throws -> EditedResponse<JobResponse> {
        let definition = template.definition
        if let fixed = members.keys.sorted().first(where: { $0 != "survey" && !definition.prompts.contains($0) }) {
            throw APIError(
                .badRequest, "\(fixed) is fixed by template \"\(template.name)\"",
                detail: definition.prompts.isEmpty ? "it asks for nothing but its survey" : "it lets you set \(definition.prompts.joined(separator: ", "))")
        }
        let base = try JobLauncher.parameters(from: members, over: definition.launchBase)
        let answers: [String: JSONValue]
        switch members["survey"] {
        case nil, .null?: answers = [:]
        case .object(let given)?: answers = given
        default: throw RequestBody.typeError("survey", "an object of answers by variable name")
        }
        var choices: [String: [String]] = [:]
        for question in definition.survey where question.choicesFrom != nil {
            choices[question.variable] = try await self.choices(of: question, template: template, identity: identity)
        }
        let (job, slices) = try await JobLauncher(dependencies: dependencies).queue(
            template, base: base, answers: answers, choices: choices, identity: identity,
            source: context.remoteAddress, logger: context.logger, via: via)
        return EditedResponse(status: .accepted, headers: [.location: "/api/v1/jobs/\(job.id)"], response: JobResponse(job, slices: slices))
    }

    /// The options of a choice question: its own, or fetched from its URL or inventory group.
    private func choices(of question: SurveyQuestion, template: JobTemplate, identity: Identity) async throws -> [String]? {
        guard let from = question.choicesFrom else { return question.choices }
        if let url = from.url {
            let answer: JSONValue
            do {
                answer = try await dependencies.work.withPermit(user: identity.user.name, kind: .surveyLookup) {
                    try await dependencies.fetchJSON(url, dependencies.limits.surveyLookupTimeout)
                }
            } catch let error as ValidationError {
                throw APIError(.badGateway, "the choices of \"\(question.question)\" could not be loaded", detail: error.message)
            }
            let list = answer["choices"] ?? answer
            guard case .array(let items) = list else {
                throw APIError(.badGateway, "the choices of \"\(question.question)\" could not be loaded", detail: "\(url) did not answer a JSON list")
            }
            return items.compactMap(\.stringValue)
        }
        let inventory = from.inventory ?? ""
        let group = from.group ?? ""
        let reference: InventoryReference
        if let id = Int64(inventory), inventory.allSatisfy(\.isNumber) {
            guard identity.access.allows(inventory: id), let stored = try await store.inventory(id) else {
                throw APIError(.badRequest, "the choices of \"\(question.question)\" come from inventory \(id), which you cannot use")
            }
            reference = .stored(stored)
        } else {
            reference = .file(try dependencies.catalog.resolve(inventory, in: template.definition.parameters.project, field: "choices_from.inventory"))
        }
        let resolved: JSONValue
        do {
            resolved = try await dependencies.work.withPermit(user: identity.user.name, kind: .inventoryResolution) {
                try await dependencies.resolveHosts(reference, Launcher(user: identity.user.name, teams: identity.user.teams), [:], nil)
            }
        } catch let error as ValidationError {
            throw APIError(.unprocessableContent, "the choices of \"\(question.question)\" could not be loaded", detail: error.message)
        }
        guard let hosts = InventoryHosts.names(in: resolved, group: group) else {
            throw APIError(.unprocessableContent, "the choices of \"\(question.question)\" could not be loaded", detail: "the inventory has no group \(group)")
        }
        return hosts
    }

    /// The template in the path, if the caller's grants reach its project.
    private func template(_ context: PlayhouseContext) async throws -> JobTemplate {
        let id = try JobRoutes.id(context)
        let access = try context.requireUser().access
        guard let template = try await store.template(id), access.allows(project: template.definition.parameters.project) else {
            throw APIError.notFound("template \(id)")
        }
        return template
    }

    /// `{"name", "description", …launch fields as defaults, "prompts", "allow_concurrent", "survey",
    /// "allowed_vars", "allowed_env"}`.
    func decode(_ request: Request) async throws -> (String, TemplateDefinition) {
        let members = try await RequestBody.object(request, allowed: Self.fields)
        let name = (try RequestBody.string(members, "name", required: true) ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else { throw APIError(.badRequest, "name must be 1 to 200 characters") }
        let parameters = try JobLauncher.parameters(from: members, over: JobParameters(project: "", playbook: "", inventory: ""))
        var survey: [SurveyQuestion] = []
        switch members["survey"] {
        case nil, .null?: break
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                do {
                    survey.append(try JSONDecoder().decode(SurveyQuestion.self, from: Data(item.jsonString().utf8)))
                } catch {
                    throw APIError(
                        .badRequest, "survey question \(index + 1) is not valid",
                        detail: "each question needs variable, question and type (\(SurveyQuestion.Kind.allCases.map(\.rawValue).joined(separator: ", "))); \(Self.describe(error))")
                }
            }
        default: throw RequestBody.typeError("survey", "a list of questions")
        }
        let definition = TemplateDefinition(
            description: try RequestBody.string(members, "description"),
            parameters: parameters,
            prompts: try RequestBody.names(members, "prompts") ?? [],
            allowConcurrent: try RequestBody.bool(members, "allow_concurrent") ?? false,
            survey: survey,
            allowedVars: try RequestBody.names(members, "allowed_vars") ?? [],
            allowedEnv: try RequestBody.names(members, "allowed_env") ?? [])
        try definition.validate()
        if try await dependencies.store.gitProject(named: parameters.project, unlessFolderIn: dependencies.catalog) != nil {
            try ProjectPath.components(of: parameters.playbook, field: "playbook")
            return (name, definition)
        }
        let playbook = try dependencies.catalog.resolve(parameters.playbook, in: parameters.project, field: "playbook")
        // Launch checks this only when the job runs; a template is saved to be used many times.
        guard FileManager.default.fileExists(atPath: playbook) else {
            throw APIError(.badRequest, "playbook \(parameters.playbook) does not exist in project \(parameters.project)",
                           detail: "list the playbooks with GET /api/v1/projects/\(parameters.project)/playbooks")
        }
        return (name, definition)
    }

    /// What a decoding error says, in a few words.
    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "\(key.stringValue) is missing"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) is not valid"
        default: "\(error)"
        }
    }
}
