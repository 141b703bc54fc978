import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// The worker groups a project's jobs run on, unless their template or inventory names
/// some: kept in the store by project name, for folders and git projects alike.
extension ProjectRoutes {
    struct WorkerGroupsResponse: ResponseEncodable, Sendable {
        var project: String
        var workerGroups: [String]

        enum CodingKeys: String, CodingKey {
            case project
            case workerGroups = "worker_groups"
        }
    }

    @Sendable func workerGroups(_ request: Request, context: PlayhouseContext) async throws -> WorkerGroupsResponse {
        let project = try await existingProject(context)
        return WorkerGroupsResponse(project: project, workerGroups: try await dependencies.store.workers.groups(ofProject: project))
    }

    @Sendable func setWorkerGroups(_ request: Request, context: PlayhouseContext) async throws -> WorkerGroupsResponse {
        let project = try await existingProject(context)
        let body = try await request.decode(as: WorkerGroupsRequest.self, context: context)
        try await dependencies.store.workers.setGroups(body.workerGroups, ofProject: project)
        await dependencies.audit(
            context, .projectUpdate, target: "project \(project)",
            detail: "worker groups \(body.workerGroups.isEmpty ? "any" : body.workerGroups.joined(separator: ", "))")
        return WorkerGroupsResponse(project: project, workerGroups: body.workerGroups)
    }

    /// The project the path names, a folder or a git project the caller's grants reach.
    private func existingProject(_ context: PlayhouseContext) async throws -> String {
        let project = context.parameters.get("name") ?? ""
        var known = dependencies.catalog.projects().contains(project)
        if !known { known = try await dependencies.store.templates.gitProject(named: project) != nil }
        guard known, try context.requireUser().access.allows(project: project) else { throw APIError.notFound("project \"\(project)\"") }
        return project
    }
}
