import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/environments`: the Ansible environments admins define and choose for projects
/// and templates, and `/api/v1/environment-builds`: each worker's builds of them (and of
/// the environments projects pin in their `playhouse.yml`), with their logs.
struct EnvironmentRoutes: Sendable {
    let dependencies: ServerDependencies

    static let kind = RecordKind(noun: "environment", collection: "environments")
    static let buildKind = RecordKind(noun: "environment build", collection: "environment-builds")

    struct EnvironmentResponse: ResponseEncodable, Sendable {
        var id: Int64
        var name: String
        var ansibleCore: String
        var pythonPackages: [String]
        /// `project NAME` and `template ID` that chose it.
        var chosenBy: [String]
        var createdBy: String
        var createdAt: String

        init(_ named: NamedEnvironment, chosenBy: [String]) {
            id = named.id
            name = named.name
            ansibleCore = named.environment.ansibleCore
            pythonPackages = named.environment.pythonPackages
            self.chosenBy = chosenBy
            createdBy = named.createdBy
            createdAt = Timestamp.format(named.createdAt)
        }

        enum CodingKeys: String, CodingKey {
            case id, name
            case ansibleCore = "ansible_core"
            case pythonPackages = "python_packages"
            case chosenBy = "chosen_by"
            case createdBy = "created_by"
            case createdAt = "created_at"
        }
    }

    struct BuildResponse: ResponseEncodable, Sendable {
        var id: Int64
        var key: String
        var worker: String
        var environment: String
        var status: String
        var error: String?
        var startedAt: String
        @ExplicitNull var finishedAt: String?
        /// Only in the answer for one build.
        var log: String?

        init(_ build: EnvironmentBuild, withLog: Bool) {
            id = build.id
            key = build.key
            worker = build.worker
            environment = build.label
            status = build.status.rawValue
            error = build.error
            startedAt = Timestamp.format(build.startedAt)
            finishedAt = build.finishedAt.map(Timestamp.format)
            log = withLog ? build.log : nil
        }

        enum CodingKeys: String, CodingKey {
            case id, key, worker, environment, status, error, log
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    struct ChoiceResponse: ResponseEncodable, Sendable {
        @ExplicitNull var environment: String?
    }

    func add(read: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.collection("environments", list: .init(list), show: .init(show))
        admin.collection("environments", create: .init(create), delete: .init(delete))
        read.get("environment-builds", use: builds)
        admin.get("environment-builds/:id", use: build)
        admin.put("projects/:name/environment", use: chooseForProject)
        admin.put("templates/:id/environment", use: chooseForTemplate)
    }

    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<EnvironmentResponse> {
        let choosers = try await dependencies.store.environments.choosersOfAll()
        return Self.kind.list(
            try await dependencies.store.environments.list().map { EnvironmentResponse($0, chosenBy: choosers[$0.id] ?? []) })
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> EnvironmentResponse {
        let id = try JobRoutes.id(context)
        let named = try Self.kind.found(try await dependencies.store.environments.find(id), id)
        return EnvironmentResponse(named, chosenBy: try await dependencies.store.environments.choosers(of: id))
    }

    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<EnvironmentResponse> {
        let body = try await request.decode(as: EnvironmentRequest.self, context: context)
        let user = try context.requireUser().user.name
        let named = try await dependencies.store.environments.create(name: body.name, environment: body.environment, by: user)
        await dependencies.audit(
            context, .environmentCreate, target: Self.kind.target(named.id, named.name), detail: body.environment.label)
        return Self.kind.created(EnvironmentResponse(named, chosenBy: []), id: named.id)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        let choosers = try await dependencies.store.environments.choosers(of: id)
        guard choosers.isEmpty else {
            throw APIError(
                .conflict, "environment \(id) is chosen by \(choosers.joined(separator: ", "))",
                detail: "choose another (or none) for them first with PUT …/environment")
        }
        return try await dependencies.delete(Self.kind, context, audit: .environmentDelete, remove: dependencies.store.environments.delete)
    }

    /// Every build on every worker, newest first, without logs.
    @Sendable func builds(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<BuildResponse> {
        Self.buildKind.list(try await dependencies.store.environments.builds().map { BuildResponse($0, withLog: false) })
    }

    /// One build with what pip printed: admins only, since a machine's pip settings (an
    /// index with a login) may show in it.
    @Sendable func build(_ request: Request, context: PlayhouseContext) async throws -> BuildResponse {
        let id = try JobRoutes.id(context)
        return BuildResponse(try Self.buildKind.found(try await dependencies.store.environments.build(id), id), withLog: true)
    }

    /// Chooses the environment of a project's jobs (a template's choice wins over it);
    /// null goes back to the project's `playhouse.yml`, or Playhouse's own Ansible.
    @Sendable func chooseForProject(_ request: Request, context: PlayhouseContext) async throws -> ChoiceResponse {
        let project = context.parameters.get("name") ?? ""
        if !dependencies.catalog.projects().contains(project), try await dependencies.store.templates.gitProject(named: project) == nil {
            throw APIError.notFound("project \"\(project)\"")
        }
        let body = try await request.decode(as: EnvironmentChoiceRequest.self, context: context)
        let chosen = try await environment(named: body.environment)
        try await dependencies.store.environments.choose(chosen?.id, forProject: project)
        await dependencies.audit(context, .projectUpdate, target: "project \(project)", detail: "environment \(chosen?.name ?? "none")")
        return ChoiceResponse(environment: chosen?.name)
    }

    /// Chooses the environment of a template's jobs; null goes back to its project's.
    @Sendable func chooseForTemplate(_ request: Request, context: PlayhouseContext) async throws -> ChoiceResponse {
        let id = try JobRoutes.id(context)
        _ = try RecordKind.template.found(try await dependencies.store.templates.find(id), id)
        let body = try await request.decode(as: EnvironmentChoiceRequest.self, context: context)
        let chosen = try await environment(named: body.environment)
        try await dependencies.store.environments.choose(chosen?.id, forTemplate: id)
        await dependencies.audit(
            context, .templateUpdate, target: RecordKind.template.target(id), detail: "environment \(chosen?.name ?? "none")")
        return ChoiceResponse(environment: chosen?.name)
    }

    private func environment(named name: String?) async throws -> NamedEnvironment? {
        guard let name else { return nil }
        guard let named = try await dependencies.store.environments.named(name) else {
            throw APIError(
                .badRequest, "no environment is named \"\(name.prefix(100))\"", detail: "define it with POST /api/v1/environments")
        }
        return named
    }
}
