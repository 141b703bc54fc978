import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PlayhouseCore
import PlayhouseStore

/// Forge webhooks: a template launched by pushes to its git project's repository, posted by
/// GitHub, Gitea or Forgejo (GitHub's format) to `hooks/:id/github` and by GitLab to
/// `hooks/:id/gitlab`. The forge proves each delivery with the hook's secret (see
/// ``Forge``). A push whose branch or tag matches the hook's patterns launches the template
/// as the admin who made the hook, pinned to the pushed commit, with the push in extra vars
/// (data, never templated); anything else is answered 202 with why not.
struct ForgeHookRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    func add(open: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        admin.get("templates/:id/forge-hook", use: show)
        admin.post("templates/:id/forge-hook", use: create)
        admin.delete("templates/:id/forge-hook", use: delete)
        open.post("hooks/:id/github", use: github)
        open.post("hooks/:id/gitlab", use: gitlab)
    }

    /// `{"branches": ["main", "release/*"], "tags": ["v*"]}`: makes (or replaces, with a new
    /// secret) the template's forge hook; the answer shows the secret once.
    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<ForgeHookResponse> {
        let id = try JobRoutes.id(context)
        let body = try await request.decode(as: ForgeHookRequest.self, context: context)
        let template = try RecordKind.template.found(try await store.templates.find(id), id)
        let project = template.definition.parameters.project
        guard try await store.templates.gitProject(named: project, unlessFolderIn: dependencies.catalog) != nil else {
            throw APIError(
                .badRequest, "template \"\(template.name)\" runs project \(project), which is no git project",
                detail: "a forge hook launches the pushed commit of a git project (POST /api/v1/projects)")
        }
        try ScheduleRoutes.requireDefaults(template.definition.survey, launcher: "a forge hook")
        let (hook, secret) = try await store.templates.createForgeHook(
            templateID: id, filter: body.filter, createdBy: try context.requireUser().user.name, box: dependencies.secrets)
        await dependencies.audit(
            context, .hookCreate, target: "template \(id) \(template.name)",
            detail: "forge hook: branches \(hook.filter.branches), tags \(hook.filter.tags)")
        return EditedResponse(status: .created, response: ForgeHookResponse(id: id, filter: hook.filter, secret: secret))
    }

    /// The template's forge hook, without its secret.
    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> ForgeHookResponse {
        let id = try JobRoutes.id(context)
        guard let hook = try await store.templates.forgeHook(of: id) else {
            throw APIError(.notFound, "template \(id) has no forge hook", detail: "make one with POST /api/v1/templates/\(id)/forge-hook")
        }
        return ForgeHookResponse(id: id, filter: hook.filter, secret: nil)
    }

    /// Removes the template's forge hook: the forge's next delivery is a 401.
    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard try await store.templates.deleteForgeHook(of: id) else {
            throw APIError(.notFound, "template \(id) has no forge hook", detail: "make one with POST /api/v1/templates/\(id)/forge-hook")
        }
        await dependencies.audit(context, .hookDelete, target: "template \(id)", detail: "forge hook")
        return Response(status: .noContent)
    }

    /// A GitHub, Gitea or Forgejo delivery: `ping` answers 200, `push` may launch.
    @Sendable func github(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await deliver(.github, request, context)
    }

    /// A GitLab delivery: `Push Hook` and `Tag Push Hook` (also as a `System Hook`) may launch.
    @Sendable func gitlab(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await deliver(.gitlab, request, context)
    }

    private func deliver(_ forge: Forge, _ request: Request, _ context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        var found: (template: JobTemplate, hook: ForgeHook)? = nil
        if let template = try await store.templates.find(id), let hook = try await store.templates.forgeHook(of: id) {
            found = (template, hook)
        }
        let ((template, hook), delivery) = try await ForgeDelivery.read(
            forge, request, context: context, dependencies: dependencies, target: "template \(id)", hook: found,
            sealedSecret: \.hook.sealedSecret)
        let push: ForgePush
        switch delivery.content {
        case .ping:
            return try EditedResponse(status: .ok, response: ForgeHookPong(template: template.name)).response(
                from: request, context: context)
        case .other(let reason): return try delivery.ignore(reason, request, context)
        case .push(let pushed): push = pushed
        }
        let project = template.definition.parameters.project
        guard let git = try await store.templates.gitProject(named: project, unlessFolderIn: dependencies.catalog) else {
            throw APIError(
                .conflict, "template \"\(template.name)\" runs project \(project), which is no git project (any more)",
                detail: "point the template at a git project, or delete the forge hook")
        }
        let commit: String
        switch push.decide(filter: hook.filter, projectURL: git.url) {
        case .ignore(let reason): return try delivery.ignore(reason, request, context)
        case .launch(_, let pushed): commit = pushed
        }
        guard let identity = try await dependencies.launches.owner(named: hook.createdBy) else {
            throw APIError(.forbidden, "the hook's owner \(hook.createdBy) no longer may launch jobs", detail: "make a new forge hook")
        }
        let launched = try await dependencies.launches.launch(
            template, overrides: LaunchOverrides(), answers: [:], push: .init(variables: push.variables, commit: commit), by: identity,
            from: .init(context, via: "\(forge.rawValue) webhook, \(push.ref) at \(commit.prefix(12)) pushed by \(push.pusher.prefix(100))")
        )
        return try JobResponse.accepted(launched).response(from: request, context: context)
    }
}

/// `{"branches": [...], "tags": [...]}`, each optional, at least one pattern in all.
struct ForgeHookRequest: Decodable {
    var filter: ForgeFilter

    enum CodingKeys: String, CodingKey, CaseIterable {
        case branches, tags
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        filter = ForgeFilter(
            branches: try container.decodeIfPresent([String].self, forKey: .branches) ?? [],
            tags: try container.decodeIfPresent([String].self, forKey: .tags) ?? [])
    }
}

/// A new forge hook: where each forge posts, and the secret, shown once.
struct ForgeHookResponse: ResponseEncodable, Sendable {
    var githubURL: String
    var gitlabURL: String
    /// Only in the answer that made the hook.
    var secret: String?
    var branches: [String]
    var tags: [String]

    init(id: Int64, filter: ForgeFilter, secret: String?) {
        githubURL = "/api/v1/hooks/\(id)/github"
        gitlabURL = "/api/v1/hooks/\(id)/gitlab"
        self.secret = secret
        branches = filter.branches
        tags = filter.tags
    }

    enum CodingKeys: String, CodingKey {
        case githubURL = "github_url"
        case gitlabURL = "gitlab_url"
        case secret, branches, tags
    }
}

/// The answer to a delivery that launches nothing, and why.
struct ForgeHookIgnored: ResponseEncodable, Sendable {
    var ignored: String
    @ExplicitNull var event: String?
}

/// The answer to GitHub's `ping`: the signature was right.
struct ForgeHookPong: ResponseEncodable, Sendable {
    var ok = true
    var template: String
}
