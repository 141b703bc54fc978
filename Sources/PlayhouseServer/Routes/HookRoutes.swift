import Foundation
import HTTPTypes
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// Inbound webhooks: a trigger URL per template for CI systems, with its own token. The
/// token is the only authentication: `X-Playhouse-Token: TOKEN` (or `?token=`).
struct HookRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    static let tokenHeader = HTTPField.Name("X-Playhouse-Token")!

    func add(open: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        admin.post("templates/:id/hook", use: create)
        open.post("hooks/:id", use: trigger)
    }

    /// Makes (or replaces) the template's trigger token; the answer shows it once.
    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<HookResponse> {
        let id = try JobRoutes.id(context)
        guard let template = try await store.templates.find(id) else { throw APIError.notFound("template \(id)") }
        let token = try await store.templates.createHook(templateID: id, createdBy: try context.requireUser().user.name)
        await dependencies.audit(context, .hookCreate, target: "template \(id) \(template.name)")
        return EditedResponse(status: .created, response: HookResponse(url: "/api/v1/hooks/\(id)", token: token))
    }

    /// `{"extra_vars": {…}, …other fields the template prompts for, "survey": {…}}`, all
    /// optional; the job is launched as the admin who made the hook.
    @Sendable func trigger(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<JobResponse> {
        let id = try JobRoutes.id(context)
        let token = request.headers[Self.tokenHeader] ?? request.uri.queryParameters["token"].map(String.init) ?? ""
        guard let template = try await store.templates.find(id), !token.isEmpty,
            let owner = try await store.templates.hookOwner(templateID: id, token: token)
        else {
            await dependencies.audit(context, .hookRefused, target: "template \(id)", actor: "webhook")
            throw APIError(.unauthorized, "unknown hook or wrong token", detail: "send the hook's token in X-Playhouse-Token")
        }
        guard let identity = try await dependencies.launches.owner(named: owner) else {
            throw APIError(.forbidden, "the hook's owner \(owner) no longer may launch jobs", detail: "make a new hook")
        }
        let body = try await request.decode(as: TemplateLaunchRequest.self, context: context)
        return JobResponse.accepted(
            try await dependencies.launches.launch(
                template, overrides: body.launch.overrides, answers: body.answers, by: identity, from: .init(context, via: "webhook")))
    }
}

struct HookResponse: ResponseEncodable, Sendable {
    var url: String
    var token: String
}
