import Foundation
import HTTPTypes
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// Inbound webhooks: a trigger URL per template or workflow for CI systems, with its own
/// token. The token is the only authentication: `X-Playhouse-Token: TOKEN` (or `?token=`).
struct HookRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    static let tokenHeader = HTTPField.Name("X-Playhouse-Token")!

    func add(open: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        admin.post("templates/:id/hook", use: createForTemplate)
        admin.post("workflows/:id/hook", use: createForWorkflow)
        open.post("hooks/:id", use: trigger)
        open.post("workflow-hooks/:id", use: triggerWorkflow)
    }

    /// Makes (or replaces) the template's trigger token; the answer shows it once.
    @Sendable func createForTemplate(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<HookResponse> {
        let id = try JobRoutes.id(context)
        let template = try RecordKind.template.found(try await store.templates.find(id), id)
        return try await create(.template(id), name: template.name, url: "/api/v1/hooks/\(id)", context)
    }

    /// Makes (or replaces) the workflow's trigger token; the answer shows it once.
    @Sendable func createForWorkflow(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<HookResponse> {
        let id = try JobRoutes.id(context)
        let workflow = try RecordKind.workflow.found(try await store.workflows.find(id), id)
        return try await create(.workflow(id), name: workflow.name, url: "/api/v1/workflow-hooks/\(id)", context)
    }

    private func create(_ target: LaunchTarget, name: String, url: String, _ context: PlayhouseContext) async throws
        -> EditedResponse<HookResponse>
    {
        let token = try await store.templates.createHook(for: target, createdBy: try context.requireUser().user.name)
        await dependencies.audit(context, .hookCreate, target: "\(target) \(name)")
        return EditedResponse(status: .created, response: HookResponse(url: url, token: token))
    }

    /// `{"extra_vars": {…}, …other fields the template prompts for, "survey": {…}}`, all
    /// optional; the job is launched as the admin who made the hook.
    @Sendable func trigger(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<JobResponse> {
        let id = try JobRoutes.id(context)
        let template = try await store.templates.find(id)
        let identity = try await owner(of: .template(id), exists: template != nil, request, context)
        let body = try await request.decode(as: TemplateLaunchRequest.self, context: context)
        guard let template else { throw RecordKind.template.notFound(id) }
        return JobResponse.accepted(
            try await dependencies.launches.launch(
                template, overrides: body.launch.overrides, answers: body.answers, by: identity, from: .init(context, via: "webhook")))
    }

    /// `{"extra_vars", "limit", "inventory", "survey"}`, those the workflow prompts for, all
    /// optional; the run is launched as the admin who made the hook.
    @Sendable func triggerWorkflow(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        let workflow = try await store.workflows.find(id)
        let identity = try await owner(of: .workflow(id), exists: workflow != nil, request, context)
        let body = try await request.decode(as: WorkflowLaunchRequest.self, context: context)
        guard let workflow else { throw RecordKind.workflow.notFound(id) }
        let source = WorkflowService.Source(workflow)
        let job = try await WorkflowService(dependencies: dependencies).launch(
            source, input: body.input, by: identity, from: .init(context, via: "webhook"))
        return try await WorkflowRoutes(dependencies: dependencies).accepted(job, for: identity.user).response(
            from: request, context: context)
    }

    /// The identity of the hook's maker, when the request carries the hook's token; an
    /// unknown hook and a wrong token get the same answer, and are audited.
    private func owner(of target: LaunchTarget, exists: Bool, _ request: Request, _ context: PlayhouseContext) async throws -> Identity {
        let token = request.headers[Self.tokenHeader] ?? request.uri.queryParameters["token"].map(String.init) ?? ""
        guard exists, !token.isEmpty, let owner = try await store.templates.hookOwner(of: target, token: token) else {
            await dependencies.audit(context, .hookRefused, target: "\(target)", actor: "webhook")
            throw APIError(.unauthorized, "unknown hook or wrong token", detail: "send the hook's token in X-Playhouse-Token")
        }
        guard let identity = try await dependencies.launches.owner(named: owner) else {
            throw APIError(.forbidden, "the hook's owner \(owner) no longer may launch jobs", detail: "make a new hook")
        }
        return identity
    }
}

struct HookResponse: ResponseEncodable, Sendable {
    var url: String
    var token: String
}
