import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/projects`: the folders of the projects directory and what they hold.
struct ProjectRoutes: Sendable {
    let dependencies: ServerDependencies

    struct ProjectsResponse: ResponseEncodable, Sendable {
        var projects: [Project]
    }

    struct Project: Codable, Sendable {
        var name: String
    }

    struct PlaybooksResponse: ResponseEncodable, Sendable {
        var project: String
        var playbooks: [String]
        /// Inventory files and scripts found in the project, for the launch form.
        var inventories: [String]
    }

    func add(read: RouterGroup<PlayhouseContext>) {
        read.get("projects", use: list)
        read.get("projects/:name/playbooks", use: playbooks)
    }

    /// The projects the caller's grants reach.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ProjectsResponse {
        let access = try context.requireUser().access
        return ProjectsResponse(projects: dependencies.catalog.projects().filter { access.allows(project: $0) }.map(Project.init))
    }

    @Sendable func playbooks(_ request: Request, context: PlayhouseContext) async throws -> PlaybooksResponse {
        let name = context.parameters.get("name") ?? ""
        let catalog = dependencies.catalog
        guard try context.requireUser().access.allows(project: name), catalog.projects().contains(name) else {
            throw APIError.notFound("project \"\(name)\"")
        }
        return PlaybooksResponse(
            project: name, playbooks: try catalog.playbooks(in: name), inventories: try catalog.inventoryFiles(in: name))
    }
}
