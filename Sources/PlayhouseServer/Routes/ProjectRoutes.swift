import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/projects`: the folders of the projects directory and the git projects, and
/// what they hold.
struct ProjectRoutes: Sendable {
    let dependencies: ServerDependencies

    /// A project: a folder, or a git repository (with its URL, branch and SSH host keys).
    struct Project: ResponseEncodable, Sendable {
        var name: String
        var kind: String
        /// A folder has none of these: its answer leaves them out.
        var url: String?
        var branch: String?
        var credential: Int64?
        /// The SSH host keys its clones trust, as `known_hosts` text (empty for none yet),
        /// each with its fingerprint, and whether an admin gave or confirmed them.
        var knownHosts: String?
        var hostKeys: [HostKey]?
        var knownHostsConfirmed: Bool?

        enum CodingKeys: String, CodingKey {
            case name, kind, url, branch, credential
            case knownHosts = "known_hosts"
            case hostKeys = "host_keys"
            case knownHostsConfirmed = "known_hosts_confirmed"
        }

        init(folder name: String) {
            self.name = name
            kind = "folder"
        }

        init(_ project: GitProject) {
            name = project.name
            kind = "git"
            url = project.url
            branch = project.branch
            credential = project.credentialID
            knownHosts = project.knownHosts
            hostKeys = ((try? KnownHosts(validating: project.knownHosts))?.keys ?? []).map(HostKey.init)
            knownHostsConfirmed = project.knownHostsConfirmed
        }
    }

    struct PlaybooksResponse: ResponseEncodable, Sendable {
        var project: String
        var playbooks: [String]
        /// Inventory files and scripts found in the project, for the launch form.
        var inventories: [String]
    }

    func add(read: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.get("projects", use: list)
        read.get("projects/:name/playbooks", use: playbooks)
        read.get("projects/:name/worker-groups", use: workerGroups)
        admin.put("projects/:name/worker-groups", use: setWorkerGroups)
        admin.post("projects", use: save)
        admin.delete("projects/:name", use: delete)
        admin.post("projects/:name/known-hosts/confirm", use: confirmKnownHosts)
        admin.delete("projects/:name/known-hosts", use: clearKnownHosts)
    }

    /// The projects the caller's grants reach: folders first, then git projects.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<Project> {
        let access = try context.requireUser().access
        let folders = dependencies.catalog.projects().map(Project.init(folder:))
        let git = try await dependencies.store.templates.gitProjects().map(Project.init)
        return ListResponse(key: "projects", items: (folders + git).filter { access.allows(project: $0.name) })
    }

    /// A git project's contents come from a checkout of its mirror.
    @Sendable func playbooks(_ request: Request, context: PlayhouseContext) async throws -> PlaybooksResponse {
        let name = context.parameters.get("name") ?? ""
        let catalog = dependencies.catalog
        guard try context.requireUser().access.allows(project: name) else { throw APIError.notFound("project \"\(name)\"") }
        if catalog.projects().contains(name) {
            return PlaybooksResponse(
                project: name, playbooks: try catalog.playbooks(in: name), inventories: try catalog.inventoryFiles(in: name))
        }
        guard let git = try await dependencies.store.templates.gitProject(named: name) else {
            throw APIError.notFound("project \"\(name)\"")
        }
        do {
            let user = try context.requireUser().user.name
            let contents = try await dependencies.work.withPermit(user: user, kind: .gitListing) {
                try await dependencies.gitContents(git)
            }
            return PlaybooksResponse(project: name, playbooks: contents.playbooks, inventories: contents.inventories)
        } catch let error as ValidationError {
            throw APIError(.badGateway, "git project \(name) could not be read", detail: error.message)
        }
    }

    /// `{"name", "url", "branch" (default main), "credential", "known_hosts"}`: adds or
    /// replaces a git project. Known hosts given are the admin's, so confirmed; left out,
    /// the project keeps its own.
    @Sendable func save(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<Project> {
        let body = try await request.decode(as: ProjectRequest.self, context: context)
        let (name, credential) = (body.name, body.credential)
        if dependencies.catalog.projects().contains(name) {
            throw APIError(.conflict, "a folder project named \"\(name)\" already exists", detail: "choose another name")
        }
        if let credential {
            let stored = try await dependencies.store.namedCredential(credential)
            guard [.password, .token, .ssh].contains(stored.kind) else {
                throw APIError(.badRequest, "a git project clones with a password, token or ssh credential, not \(stored.kind.rawValue)")
            }
        }
        let previous = try await dependencies.store.templates.gitProject(named: name)
        let existed = previous != nil
        let project = try await dependencies.store.templates.saveGitProject(
            name: name, url: body.url, branch: body.branch, credentialID: credential, knownHosts: body.knownHosts)
        if let previous, (previous.url, previous.branch, previous.credentialID) != (project.url, project.branch, project.credentialID) {
            // The workers' records are of what the project cloned before.
            try await dependencies.store.mirrors.forget(project: name)
        }
        let keys = body.knownHosts.map { _ in
            project.knownHosts.isEmpty ? "; known hosts cleared" : "; known hosts given: " + Self.summary(of: project)
        }
        await dependencies.audit(
            context, existed ? .projectUpdate : .projectCreate, target: "project \(name)", detail: project.url + (keys ?? ""))
        return EditedResponse(
            status: existed ? .ok : .created, headers: [.location: "/api/v1/projects/\(name)/playbooks"], response: Project(project))
    }

    /// Git projects only: folders are removed from the disk by whoever put them there.
    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard try await dependencies.store.templates.deleteGitProject(named: name) else {
            throw APIError.notFound("git project \"\(name)\"")
        }
        await dependencies.audit(context, .projectDelete, target: "project \(name)")
        return Response(status: .noContent)
    }
}
