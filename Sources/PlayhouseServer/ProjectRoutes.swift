import Hummingbird
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

    func add(to group: RouterGroup<BasicRequestContext>) {
        group.get("projects", use: list)
        group.get("projects/:name/playbooks", use: playbooks)
    }

    @Sendable func list(_ request: Request, context: BasicRequestContext) async throws -> ProjectsResponse {
        ProjectsResponse(projects: dependencies.catalog.projects().map(Project.init))
    }

    @Sendable func playbooks(_ request: Request, context: BasicRequestContext) async throws -> PlaybooksResponse {
        let name = context.parameters.get("name") ?? ""
        let catalog = dependencies.catalog
        guard catalog.projects().contains(name) else { throw APIError.notFound("project \"\(name)\"") }
        return PlaybooksResponse(
            project: name, playbooks: try catalog.playbooks(in: name), inventories: try catalog.inventoryFiles(in: name))
    }
}
