import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// Queues a job for someone: checks the parameters, the caller's grants and credentials,
/// finds the inventory (slicing it when asked), stores the job and writes the audit log.
/// Every way of launching (the launch route, relaunch, templates) ends here.
struct JobLauncher: Sendable {
    let dependencies: ServerDependencies

    func submit(
        _ parameters: JobParameters, identity: Identity, context: PlayhouseContext,
        action: String = "job.launch", detail: String? = nil
    ) async throws -> EditedResponse<JobResponse> {
        try parameters.validate()
        let access = identity.access
        guard access.allows(project: parameters.project) else {
            throw APIError(.forbidden, "you have no grant on project \"\(parameters.project)\"", detail: "ask an admin for one")
        }
        if let id = parameters.storedInventoryID, !access.allows(inventory: id) {
            throw APIError(.forbidden, "you have no grant on inventory \(id)", detail: "ask an admin for one")
        }
        if let id = (parameters.credentials ?? []).first(where: { !access.allows(credential: $0) }) {
            throw APIError(.forbidden, "you have no grant on credential \(id)", detail: "ask an admin for one")
        }
        try await checkCredentials(parameters.credentials ?? [])
        let catalog = dependencies.catalog
        _ = try catalog.resolve(parameters.playbook, in: parameters.project, field: "playbook")
        let inventory: InventoryReference
        if let id = parameters.storedInventoryID {
            guard let stored = try await dependencies.store.inventory(id) else {
                throw APIError(.badRequest, "inventory \(id) does not exist", detail: "list inventories with GET /api/v1/inventories")
            }
            inventory = .stored(stored)
        } else {
            inventory = .file(try catalog.resolve(parameters.inventory, in: parameters.project, field: "inventory"))
        }
        let what = [ "\(parameters.project)/\(parameters.playbook)", detail].compactMap { $0 }.joined(separator: ", ")
        if let slices = parameters.slices, slices > 1 {
            let launcher = Launcher(user: identity.user.name, teams: identity.user.teams)
            let (parent, children) = try await launchSliced(parameters, inventory: inventory, launcher: launcher, slices: slices)
            await dependencies.audit(context, action, target: "job \(parent.id)", detail: "\(what), \(children.count) slices")
            return EditedResponse(
                status: .accepted, headers: [.location: "/api/v1/jobs/\(parent.id)"],
                response: JobResponse(parent, slices: children.map(\.id)))
        }
        let job = try await dependencies.store.insertJob(parameters)
        await dependencies.audit(context, action, target: "job \(job.id)", detail: what)
        return EditedResponse(
            status: .accepted, headers: [.location: "/api/v1/jobs/\(job.id)"], response: JobResponse(job))
    }

    /// Every credential exists, and together they make sense for one run.
    private func checkCredentials(_ ids: [Int64]) async throws {
        var kinds: [Credential.Kind] = []
        for id in ids {
            guard let credential = try await dependencies.store.credential(id) else {
                throw APIError(.badRequest, "credential \(id) does not exist", detail: "list credentials with GET /api/v1/credentials")
            }
            kinds.append(credential.kind)
        }
        try Credential.Kind.checkCombination(kinds)
    }

    /// Splits the hosts the launch would run against into `slices` groups and queues a
    /// job per group under one parent.
    private func launchSliced(
        _ parameters: JobParameters, inventory: InventoryReference, launcher: Launcher, slices: Int
    ) async throws -> (Job, [Job]) {
        let resolved: JSONValue
        do {
            resolved = try await dependencies.resolveHosts(inventory, launcher, parameters.env ?? [:], parameters.limit)
        } catch let error as ValidationError {
            throw APIError(.unprocessableContent, "the inventory could not be resolved to slice it", detail: error.message)
        }
        let hosts = InventoryHosts.names(in: resolved)
        guard !hosts.isEmpty else {
            throw APIError(.badRequest, "no hosts to slice", detail: "the inventory (and limit) match no host")
        }
        return try await dependencies.store.insertSlicedJob(parameters, hostGroups: InventoryHosts.slices(hosts, count: slices))
    }
}
