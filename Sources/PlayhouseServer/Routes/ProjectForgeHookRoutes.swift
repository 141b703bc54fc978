import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// Forge webhooks of git projects: a push of the project's branch to the repository it
/// clones refreshes its mirrors on every worker, as `POST projects/:name/refresh` does, and
/// launches nothing. GitHub, Gitea and Forgejo post to `hooks/projects/:name/github`, GitLab
/// to `hooks/projects/:name/gitlab`; the forge proves each delivery with the hook's secret
/// (``ForgeDelivery``, shared with the templates' forge hooks). Anything but such a push is
/// answered 202 with why it did nothing.
struct ProjectForgeHookRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    func add(open: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        admin.post("projects/:name/forge-hook", use: create)
        admin.delete("projects/:name/forge-hook", use: delete)
        open.post("hooks/projects/:name/github", use: github)
        open.post("hooks/projects/:name/gitlab", use: gitlab)
    }

    /// Where each forge posts for git project `project`.
    static func urls(of project: String) -> (github: String, gitlab: String) {
        let segment = project.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? project
        return ("/api/v1/hooks/projects/\(segment)/github", "/api/v1/hooks/projects/\(segment)/gitlab")
    }

    /// Makes (or replaces, with a new secret) the project's forge hook; the answer shows the
    /// secret once.
    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<ProjectForgeHookResponse> {
        let name = context.parameters.get("name") ?? ""
        guard let project = try await store.templates.gitProject(named: name, unlessFolderIn: dependencies.catalog),
            let (hook, secret) = try await store.templates.createProjectForgeHook(
                project: project.name, createdBy: try context.requireUser().user.name, box: dependencies.secrets)
        else { throw APIError.notFound("git project \"\(name)\"") }
        await dependencies.audit(
            context, .hookCreate, target: "project \(name)", detail: "forge hook: refreshes on pushes of \(project.branch)")
        let (github, gitlab) = Self.urls(of: hook.project)
        return EditedResponse(
            status: .created,
            response: ProjectForgeHookResponse(githubURL: github, gitlabURL: gitlab, secret: secret, branch: project.branch))
    }

    /// Removes the project's forge hook: the forge's next delivery is a 401.
    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard try await store.templates.deleteProjectForgeHook(of: name) else {
            throw APIError(
                .notFound, "git project \"\(name)\" has no forge hook", detail: "make one with POST /api/v1/projects/\(name)/forge-hook")
        }
        await dependencies.audit(context, .hookDelete, target: "project \(name)", detail: "forge hook")
        return Response(status: .noContent)
    }

    /// A GitHub, Gitea or Forgejo delivery: `ping` answers 200, `push` may refresh.
    @Sendable func github(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await deliver(.github, request, context)
    }

    /// A GitLab delivery: `Push Hook` and `Tag Push Hook` (also as a `System Hook`) may refresh.
    @Sendable func gitlab(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await deliver(.gitlab, request, context)
    }

    private func deliver(_ forge: Forge, _ request: Request, _ context: PlayhouseContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        var found: (project: GitProject, hook: ProjectForgeHook)? = nil
        if let project = try await store.templates.gitProject(named: name, unlessFolderIn: dependencies.catalog),
            let hook = try await store.templates.projectForgeHook(of: name)
        {
            found = (project, hook)
        }
        let ((project, _), delivery) = try await ForgeDelivery.read(
            forge, request, context: context, dependencies: dependencies, target: "project \(name)", hook: found,
            sealedSecret: \.hook.sealedSecret)
        let push: ForgePush
        switch delivery.content {
        case .ping:
            return try EditedResponse(status: .ok, response: ProjectForgeHookPong(project: name)).response(from: request, context: context)
        case .other(let reason): return try delivery.ignore(reason, request, context)
        case .push(let pushed): push = pushed
        }
        // The project follows one branch (or tag): only a push of it moves what runs.
        let commit: String
        switch push.decide(filter: ForgeFilter(branches: [project.branch], tags: [project.branch]), projectURL: project.url) {
        case .ignore(let reason): return try delivery.ignore(reason, request, context)
        case .launch(_, let pushed): commit = pushed
        }
        let asked = try await ProjectSyncRoutes.askRefresh(of: project.name, commit: commit, dependencies: dependencies)
        await dependencies.audit(
            context, .projectRefresh, target: "project \(name)",
            detail: "\(forge.rawValue) webhook, \(push.ref) at \(commit.prefix(12)) pushed by \(push.pusher.prefix(100))", actor: "webhook")
        return try EditedResponse(status: .accepted, response: asked).response(from: request, context: context)
    }
}

/// A new project forge hook: where each forge posts, and the secret, shown once.
struct ProjectForgeHookResponse: ResponseEncodable, Sendable {
    var githubURL: String
    var gitlabURL: String
    var secret: String
    /// The branch whose pushes refresh.
    var branch: String

    enum CodingKeys: String, CodingKey {
        case githubURL = "github_url"
        case gitlabURL = "gitlab_url"
        case secret, branch
    }
}

/// The answer to GitHub's `ping`: the signature was right.
struct ProjectForgeHookPong: ResponseEncodable, Sendable {
    var ok = true
    var project: String
}
