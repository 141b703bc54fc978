import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/hosts`: every host that reported, its results job by job, and its facts; each
/// seen through the jobs of the projects the caller may see.
struct HostRoutes: Sendable {
    let dependencies: ServerDependencies

    func add(read: RouterGroup<PlayhouseContext>) {
        read.get("hosts", use: list)
        read.get("hosts/:name", use: show)
    }

    /// `q` finds hosts by name or by their facts; `after` and `limit` page by name.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<HostResponse> {
        let query = request.uri.queryParameters
        let text = query["q"].map(String.init)
        guard (text?.count ?? 0) <= 200 else { throw APIError(.badRequest, "q is too long", detail: "search for at most 200 characters") }
        let after = query["after"].map(String.init) ?? ""
        let limit = try JobRoutes.integer(request, "limit", default: 100, range: 1...500)
        let projects = try context.requireUser().access.seenProjects
        let hosts = try await dependencies.store.hosts.list(projects: projects, matching: text, after: after, limit: limit)
        return ListResponse(
            key: "hosts", items: hosts.map(HostResponse.init), next: .afterName(hosts.count == limit ? hosts.last?.host : nil))
    }

    /// The host's results, newest first (`before` a job id and `limit` page them), and its facts.
    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> HostDetailResponse {
        guard let name = context.parameters.get("name")?.removingPercentEncoding, !name.isEmpty else {
            throw APIError(.badRequest, "the path must name a host")
        }
        let limit = try JobRoutes.integer(request, "limit", default: 50, range: 1...500)
        let before = try JobRoutes.before(request, "a job id")
        let projects = try context.requireUser().access.seenProjects
        let results = try await dependencies.store.hosts.history(of: name, projects: projects, before: before, limit: limit)
        let facts = try await dependencies.store.hosts.facts(of: name, projects: projects)
        guard !results.isEmpty || !facts.isEmpty || before != nil else {
            throw APIError(.notFound, "host \(name) not found", detail: "no job you may see ran on it; list hosts with GET /api/v1/hosts")
        }
        return HostDetailResponse(
            name: name, results: results.map(HostResponse.init), nextBefore: results.count == limit ? results.last?.jobID : nil,
            facts: facts.map(HostFactsResponse.init))
    }
}

/// A host's result in one job, as the API shows it.
struct HostResponse: Encodable, Sendable {
    var name: String
    var status: String
    var jobID: Int64
    var project: String
    var playbook: String
    var finishedAt: String
    var counts: HostCounts
    @ExplicitNull var failedTask: String?
    @ExplicitNull var failure: String?

    init(_ result: HostResult) {
        name = result.host
        status = result.outcome.status
        jobID = result.jobID
        project = result.project
        playbook = result.playbook
        finishedAt = Timestamp.format(result.finishedAt)
        counts = result.outcome.counts
        failedTask = result.outcome.failedTask
        failure = result.outcome.failure
    }

    enum CodingKeys: String, CodingKey {
        case name, status, project, playbook, counts, failure
        case jobID = "job_id"
        case finishedAt = "finished_at"
        case failedTask = "failed_task"
    }
}

/// A host's facts as one project and inventory know them.
struct HostFactsResponse: Encodable, Sendable {
    var project: String
    var inventory: String
    var jobID: Int64
    var updatedAt: String
    var facts: JSONValue

    init(_ facts: HostFacts) {
        project = facts.project
        inventory = facts.inventory
        jobID = facts.jobID
        updatedAt = Timestamp.format(facts.updatedAt)
        self.facts = facts.facts
    }

    enum CodingKeys: String, CodingKey {
        case project, inventory, facts
        case jobID = "job_id"
        case updatedAt = "updated_at"
    }
}

/// One host: its results job by job, newest first, and its facts.
struct HostDetailResponse: ResponseEncodable, Sendable {
    var name: String
    var results: [HostResponse]
    @ExplicitNull var nextBefore: Int64?
    var facts: [HostFactsResponse]

    enum CodingKeys: String, CodingKey {
        case name, results, facts
        case nextBefore = "next_before"
    }
}
