import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// What the workers' mirrors of a git project hold (`GET projects/:name/sync`), and asking
/// them to fetch it now (`POST projects/:name/refresh`).
///
/// Refreshing is an operator's: it launches nothing and changes no definition, and does
/// no more than a launch of the project does first (fetch the branch the project already
/// follows), which operators may do. Both need a grant on the project.
struct ProjectSyncRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    func add(read: RouterGroup<PlayhouseContext>, operate: RouterGroup<PlayhouseContext>) {
        read.get("projects/:name/sync", use: sync)
        operate.post("projects/:name/refresh", use: refresh)
    }

    /// Each worker's record of its mirror: the last fetch, the branch's commit, the
    /// requirements cache entries the last run used.
    @Sendable func sync(_ request: Request, context: PlayhouseContext) async throws -> ProjectSyncResponse {
        let project = try await gitProject(context)
        let workers = try await store.workers.list(lease: dependencies.lease)
        let states = Dictionary(workers.map { ($0.name, $0.state.rawValue) }) { first, _ in first }
        let hook = try await store.templates.projectForgeHook(of: project.name)
        return ProjectSyncResponse(
            project: project, refreshRequestedAt: try await store.mirrors.refreshRequested(of: project.name),
            mirrors: try await store.mirrors.records(of: project.name).map { MirrorResponse($0, workerState: states[$0.worker]) },
            forgeHook: hook.map { ProjectForgeHookInfo($0) })
    }

    /// Asks every worker to fetch its mirror of the project now; the answer names the
    /// workers running now, each of which records the fetch when it has made it.
    @Sendable func refresh(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<RefreshResponse> {
        let project = try await gitProject(context)
        let asked = try await Self.askRefresh(of: project.name, dependencies: dependencies)
        await dependencies.audit(context, .projectRefresh, target: "project \(project.name)")
        return EditedResponse(status: .accepted, response: asked)
    }

    /// Asks every worker to fetch its mirror of git project `name` now (for `commit`, a
    /// forge's push, if one asked), and says what was asked of which running workers.
    static func askRefresh(of name: String, commit: String? = nil, dependencies: ServerDependencies) async throws -> RefreshResponse {
        guard let requested = try await dependencies.store.mirrors.requestRefresh(of: name) else {
            throw APIError.notFound("git project \"\(name)\"")
        }
        let workers = try await dependencies.store.workers.list(lease: dependencies.lease).filter {
            [.active, .draining].contains($0.state)
        }
        return RefreshResponse(project: name, requestedAt: requested, workers: workers.map(\.name), commit: commit)
    }

    /// The git project the path names, if the caller's grants reach it; a 404 otherwise, as
    /// for a project that does not exist.
    private func gitProject(_ context: PlayhouseContext) async throws -> GitProject {
        let name = context.parameters.get("name") ?? ""
        guard try context.requireUser().access.allows(project: name),
            let project = try await store.templates.gitProject(named: name, unlessFolderIn: dependencies.catalog)
        else { throw APIError.notFound("git project \"\(name)\"") }
        return project
    }
}
