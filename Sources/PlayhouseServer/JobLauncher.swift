import Foundation
import Hummingbird
import Logging
import PlayhouseCore
import PlayhouseStore

/// Queues a job for someone: checks the parameters, the caller's grants and credentials,
/// finds the inventory (slicing it when asked), stores the job and writes the audit log.
/// Every way of launching (the launch route, relaunch, templates) ends here.
struct JobLauncher: Sendable {
    let dependencies: ServerDependencies

    /// `base` with every launch field present in `members` set; extra vars are merged over
    /// the base's.
    static func parameters(from members: [String: JSONValue], over base: JobParameters) throws -> JobParameters {
        var parameters = base
        if members["project"] != nil { parameters.project = try RequestBody.string(members, "project") ?? "" }
        if members["playbook"] != nil { parameters.playbook = try RequestBody.string(members, "playbook") ?? "" }
        if members["inventory"] != nil { parameters.inventory = try RequestBody.string(members, "inventory") ?? "" }
        if let vars = try RequestBody.extraVars(members, "extra_vars") {
            parameters.extraVars = (parameters.extraVars ?? [:]).merging(vars) { $1 }
        }
        if members["limit"] != nil { parameters.limit = try RequestBody.string(members, "limit").flatMap { $0.isEmpty ? nil : $0 } }
        if members["tags"] != nil { parameters.tags = try RequestBody.names(members, "tags") }
        if members["skip_tags"] != nil { parameters.skipTags = try RequestBody.names(members, "skip_tags") }
        if members["check"] != nil { parameters.check = try RequestBody.bool(members, "check") }
        if members["diff"] != nil { parameters.diff = try RequestBody.bool(members, "diff") }
        if members["verbosity"] != nil { parameters.verbosity = try RequestBody.int(members, "verbosity") }
        if members["forks"] != nil { parameters.forks = try RequestBody.int(members, "forks") }
        if members["timeout"] != nil { parameters.timeout = try RequestBody.number(members, "timeout") }
        if members["env"] != nil { parameters.env = try RequestBody.stringMap(members, "env") }
        if members["slices"] != nil { parameters.slices = try RequestBody.int(members, "slices") }
        if members["credentials"] != nil { parameters.credentials = try RequestBody.ids(members, "credentials") }
        return parameters
    }

    /// Queues the job for a request, and answers 202 with it.
    func submit(
        _ parameters: JobParameters, identity: Identity, context: PlayhouseContext,
        action: String = "job.launch", detail: String? = nil
    ) async throws -> EditedResponse<JobResponse> {
        let (job, slices) = try await queue(
            parameters, identity: identity, source: context.remoteAddress, logger: context.logger, action: action, detail: detail)
        return EditedResponse(status: .accepted, headers: [.location: "/api/v1/jobs/\(job.id)"], response: JobResponse(job, slices: slices))
    }

    /// Launches a template for `identity`: `base` is the template's parameters with what the
    /// launcher changed, `answers` the survey's, `choices` the options resolved for
    /// questions that fetch theirs. Password answers are sealed into the job. `via` names
    /// another way in than a person's own request (a webhook): what it carries was not sent
    /// by `identity`, so it is held to a launcher's rules even when `identity` is an admin.
    func queue(
        _ template: JobTemplate, base: JobParameters, answers: [String: JSONValue], choices: [String: [String]],
        identity: Identity, source: String?, logger: Logger, via: String? = nil
    ) async throws -> (job: Job, slices: [Int64]?) {
        var (parameters, secrets) = try template.launch(base, answers: answers, choices: choices, launchedBy: identity.user.name)
        if !secrets.isEmpty {
            parameters.sealedVars = try dependencies.secrets.seal(Data(JSONValue.object(secrets).jsonString().utf8))
            parameters.sealedVarNames = secrets.keys.sorted()
        }
        return try await queue(
            parameters, identity: identity, source: source, logger: logger,
            detail: ["template \(template.name)", via.map { "via \($0)" }].compactMap { $0 }.joined(separator: ", "),
            sentByAdmin: via == nil && identity.user.role >= .admin)
    }

    /// Who owns a schedule or a hook, as the identity its jobs are launched with; nil when
    /// that user is gone or no longer may launch.
    func owner(named name: String) async throws -> Identity? {
        guard let user = try await dependencies.store.user(named: name), user.role >= .operator else { return nil }
        return Identity(user: user, access: try await dependencies.store.access(for: user), csrfToken: nil)
    }

    /// Queues the job (or the slices of a sliced one) and writes the audit log; `source`
    /// is where the launch came from (a client's address, "scheduler").
    /// `sentByAdmin` says an admin wrote the launch's values themselves (not a webhook's
    /// caller): only then may they set what only admins may.
    func queue(
        _ parameters: JobParameters, identity: Identity, source: String?, logger: Logger,
        action: String = "job.launch", detail: String? = nil, sentByAdmin: Bool? = nil
    ) async throws -> (job: Job, slices: [Int64]?) {
        try parameters.validate()
        guard identity.user.role >= .operator else {
            throw APIError(.forbidden, "launching jobs needs the operator role", detail: "\(identity.user.name) is a \(identity.user.role.rawValue)")
        }
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
        var parameters = parameters
        if !(sentByAdmin ?? (identity.user.role >= .admin)) { try await checkLauncherValues(parameters) }
        parameters.apply(dependencies.jinjaPolicy)
        let catalog = dependencies.catalog
        // A git project's files are known only once a run has cloned it.
        let inGit = try await dependencies.store.gitProject(named: parameters.project, unlessFolderIn: catalog) != nil
        if inGit {
            try ProjectPath.components(of: parameters.playbook, field: "playbook")
        } else {
            _ = try catalog.resolve(parameters.playbook, in: parameters.project, field: "playbook")
        }
        let inventory: InventoryReference
        if let id = parameters.storedInventoryID {
            guard let stored = try await dependencies.store.inventory(id) else {
                throw APIError(.badRequest, "inventory \(id) does not exist", detail: "list inventories with GET /api/v1/inventories")
            }
            inventory = .stored(stored)
        } else if inGit {
            try ProjectPath.components(of: parameters.inventory, field: "inventory")
            guard (parameters.slices ?? 1) <= 1 else {
                throw APIError(.badRequest, "slicing a git project needs a stored inventory", detail: "its inventory files are read only once a run has cloned it")
            }
            inventory = .file(parameters.inventory)
        } else {
            inventory = .file(try catalog.resolve(parameters.inventory, in: parameters.project, field: "inventory"))
        }
        let what = [ "\(parameters.project)/\(parameters.playbook)", detail].compactMap { $0 }.joined(separator: ", ")
        if let slices = parameters.slices, slices > 1 {
            let launcher = Launcher(user: identity.user.name, teams: identity.user.teams)
            let (parent, children) = try await launchSliced(parameters, inventory: inventory, launcher: launcher, slices: slices)
            await audit(identity, source: source, logger: logger, action, target: "job \(parent.id)", detail: "\(what), \(children.count) slices")
            return (parent, children.map(\.id))
        }
        let job = try await dependencies.store.insertJob(parameters)
        await audit(identity, source: source, logger: logger, action, target: "job \(job.id)", detail: what)
        return (job, nil)
    }

    private func audit(_ identity: Identity, source: String?, logger: Logger, _ action: String, target: String, detail: String) async {
        await dependencies.audit(
            AuditEntry(actor: identity.user.name, action: action, target: target, source: source, detail: detail), logger: logger)
    }

    /// What only an admin may decide: variables Ansible connects or executes by (unless
    /// the template allows them), and environment names nobody declared. A template's own
    /// extra vars and environment were written by an admin and pass.
    private func checkLauncherValues(_ parameters: JobParameters) async throws {
        var template: JobTemplate?
        if let id = parameters.templateID { template = try await dependencies.store.template(id) }
        try LaunchValues.checkLauncherVariables(
            Array((parameters.extraVars ?? [:]).keys) + (parameters.sealedVarNames ?? []), allowed: Set(template?.definition.allowedVars ?? []))
        let templateEnvironment = template?.definition.parameters.env ?? [:]
        let launcherEnvironment = (parameters.env ?? [:]).filter { templateEnvironment[$0.key] != $0.value }.keys
        guard !launcherEnvironment.isEmpty else { return }
        var declared = Set(template?.definition.allowedEnv ?? [])
        if dependencies.catalog.projects().contains(parameters.project) {
            declared.formUnion(try dependencies.catalog.declaredEnvironment(of: parameters.project))
        }
        try LaunchValues.checkLauncherEnvironment(launcherEnvironment, declared: declared)
    }

    /// Every credential exists, and together they make sense for one run.
    private func checkCredentials(_ ids: [Int64]) async throws {
        var kinds: [Credential.Kind] = []
        for id in ids {
            kinds.append(try await CredentialRoutes.named(id, in: dependencies.store).kind)
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
            resolved = try await dependencies.work.withPermit(user: launcher.user, kind: .inventoryResolution) {
                try await dependencies.resolveHosts(inventory, launcher, parameters.env ?? [:], parameters.limit)
            }
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
