import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore

/// Queues jobs: the one place that decides whether and how a launch happens. It checks the
/// parameters, the caller's role and grants and credentials, what only an admin may set,
/// where the playbook and inventory are, fills in templates and their surveys, slices,
/// relaunches, stores the job and writes the audit log. The launch route, templates,
/// relaunch, schedules and webhooks all call it; it throws ``DomainError``,
/// ``ValidationError`` and ``StoreError``, which the HTTP side turns into answers.
struct LaunchService: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    /// Where a launch came from, for the audit log: a client's address or "scheduler", and
    /// another way in than a person's own request (a webhook, a schedule), if any.
    struct Origin: Sendable {
        var source: String?
        var via: String?
        var logger: Logger
    }

    /// A queued job, and the jobs of its slices when it was sliced.
    struct Launched: Sendable {
        var job: Job
        var slices: [Int64]?
    }

    /// Which hosts a relaunch runs against.
    enum RelaunchHosts: String, Sendable {
        case all, failed
    }

    /// Queues `parameters` for `identity`. `sentByAdmin` says an admin wrote the launch's
    /// values themselves (not a webhook's caller): only then may they set what only admins may.
    func launch(
        _ parameters: JobParameters, by identity: Identity, from origin: Origin,
        action: AuditAction = .jobLaunch, detail: String? = nil, sentByAdmin: Bool? = nil
    ) async throws -> Launched {
        var parameters = parameters
        parameters.launchedBy = identity.user.name
        try parameters.validate()
        try checkGrants(parameters, identity)
        try await checkCredentials(parameters.credentials ?? [])
        if !(sentByAdmin ?? (identity.user.role >= .admin)) { try await checkLauncherValues(parameters) }
        try await place(&parameters)
        parameters.apply(dependencies.jinjaPolicy)
        let catalog = dependencies.catalog
        let inGit = try await store.templates.gitProject(named: parameters.project, unlessFolderIn: catalog) != nil
        if let pinned = parameters.pinnedCommit, !inGit {
            throw DomainError(
                .invalid, "only a git project's job can be pinned to a commit, and \(parameters.project) is none",
                detail: "commit \(pinned) was asked for")
        }
        let location = try catalog.locate(parameters, inGit: inGit)
        let what = ["\(parameters.project)/\(parameters.playbook)", detail].compactMap { $0 }.joined(separator: ", ")
        if let slices = parameters.slices, slices > 1 {
            let inventory: ResolvedInventory
            switch location.inventory {
            case .stored(let id): inventory = .stored(try await storedInventory(id))
            case .path where inGit:
                throw DomainError(
                    .invalid, "slicing a git project needs a stored inventory",
                    detail: "its inventory files are read only once a run has cloned it")
            case .path(let path): inventory = .file(path)
            }
            let launcher = Launcher(user: identity.user.name, teams: identity.user.teams)
            let (parent, children) = try await launchSliced(parameters, inventory: inventory, launcher: launcher, slices: slices)
            try await store.jobs.explainWaits(lease: dependencies.lease, only: children.map(\.id))
            await dependencies.audit(identity, origin, action, target: "job \(parent.id)", detail: "\(what), \(children.count) slices")
            return Launched(job: parent, slices: children.map(\.id))
        }
        if case .stored(let id) = location.inventory { _ = try await storedInventory(id) }
        let job = try await store.jobs.insert(parameters)
        await dependencies.audit(identity, origin, action, target: "job \(job.id)", detail: what)
        return Launched(job: try await explainingWait(job))
    }

    /// What a workflow node adds to its template's launch: the workflow's variables (its
    /// survey's answers, extra vars and the artifacts of the nodes before), the node it is
    /// for, and the hosts a rerun of failed hosts is limited to.
    struct NodeLaunch: Sendable {
        var workflowJobID: Int64
        var nodeID: Int64
        var variables: [String: JSONValue]
        var limit: String?
    }

    /// What a forge hook adds to its template's launch: the push's variables (data, like
    /// any launcher's extra vars) and the commit the job is pinned to.
    struct PushLaunch: Sendable {
        var variables: [String: JSONValue]
        var commit: String
    }

    /// Launches `template` for `identity` with what the launcher set in `overrides` (only
    /// the fields the template prompts for) and the survey's `answers`. Password answers
    /// are sealed into the job. A launch `via` another way in (a webhook, a schedule, a
    /// workflow) is held to a launcher's rules even when `identity` is an admin: what it
    /// carries was not written by them.
    func launch(
        _ template: JobTemplate, overrides: LaunchOverrides, answers: [String: JSONValue], node: NodeLaunch? = nil,
        push: PushLaunch? = nil, by identity: Identity, from origin: Origin
    ) async throws -> Launched {
        let definition = template.definition
        if let fixed = overrides.fields.sorted().first(where: { !definition.prompts.contains($0.rawValue) }) {
            throw DomainError(
                .invalid, "\(fixed.rawValue) is fixed by template \"\(template.name)\"",
                detail: definition.prompts.isEmpty
                    ? "it asks for nothing but its survey" : "it lets you set \(definition.prompts.joined(separator: ", "))")
        }
        var choices: [String: [String]] = [:]
        for question in definition.survey where question.choicesFrom != nil {
            choices[question.variable] = try await surveyChoices(of: question, in: template, for: identity)
        }
        let base = overrides.apply(to: definition.launchBase)
        var (parameters, secrets) = try template.launch(base, answers: answers, choices: choices, launchedBy: identity.user.name)
        if let node {
            if !node.variables.isEmpty { parameters.extraVars = (parameters.extraVars ?? [:]).merging(node.variables) { $1 } }
            if let limit = node.limit { parameters.limit = limit }
            parameters.workflowJobID = node.workflowJobID
            parameters.workflowNodeID = node.nodeID
        }
        if let push {
            parameters.extraVars = (parameters.extraVars ?? [:]).merging(push.variables) { $1 }
            parameters.pinnedCommit = push.commit
        }
        if !secrets.isEmpty {
            parameters.sealedVars = try dependencies.secrets.seal(Data(JSONValue.object(secrets).jsonString().utf8))
            parameters.sealedVarNames = secrets.keys.sorted()
        }
        return try await launch(
            parameters, by: identity, from: origin,
            detail: ["template \(template.name)", origin.via.map { "via \($0)" }].compactMap { $0 }.joined(separator: ", "),
            sentByAdmin: origin.via == nil && identity.user.role >= .admin)
    }

    /// The same parameters as `original` again, launched by `identity`; `.failed` limits
    /// the run to the hosts that failed or were unreachable.
    func relaunch(_ original: Job, hosts: RelaunchHosts, by identity: Identity, from origin: Origin) async throws -> Launched {
        var parameters = original.parameters
        parameters.relaunchOf = original.id
        // A relaunch is a job of its own, not another run of the workflow node.
        parameters.workflowJobID = nil
        parameters.workflowNodeID = nil
        if hosts == .failed {
            guard original.status.isFinal else {
                throw DomainError(
                    .conflict, "job \(original.id) is still \(original.status.rawValue)",
                    detail: "relaunch its failed hosts once it has ended")
            }
            let failed = original.summary.hosts.filter { $0.value.failed > 0 || $0.value.unreachable > 0 }.keys.sorted()
            guard !failed.isEmpty else {
                throw DomainError(.invalid, "job \(original.id) has no failed or unreachable hosts", detail: "relaunch all hosts instead")
            }
            parameters.limit = failed.joined(separator: ",")
            parameters.slices = nil
        }
        return try await launch(
            parameters, by: identity, from: origin, action: .jobRelaunch, detail: "of job \(original.id), \(hosts.rawValue) hosts")
    }

    /// Who owns a schedule or a hook, as the identity its jobs are launched with; nil when
    /// that user is gone or no longer may launch.
    func owner(named name: String) async throws -> Identity? {
        guard let user = try await store.users.named(name), user.role >= .operator else { return nil }
        return Identity(user: user, access: try await store.users.access(for: user), csrfToken: nil)
    }

    /// The options of a choice question as `identity` sees them: its own, or fetched from
    /// its URL or read from its inventory group.
    func surveyChoices(of question: SurveyQuestion, in template: JobTemplate, for identity: Identity) async throws -> [String]? {
        guard let from = question.choicesFrom else { return question.choices }
        let failure = "the choices of \"\(question.question)\" could not be loaded"
        if let url = from.url {
            let answer: JSONValue
            do {
                answer = try await dependencies.work.withPermit(user: identity.user.name, kind: .surveyLookup) {
                    try await dependencies.fetchJSON(url, dependencies.limits.surveyLookupTimeout)
                }
            } catch let error as ValidationError {
                throw DomainError(.upstream, failure, detail: error.message)
            }
            guard case .array(let items) = answer["choices"] ?? answer else {
                throw DomainError(.upstream, failure, detail: "\(url) did not answer a JSON list")
            }
            return items.compactMap(\.stringValue)
        }
        let group = from.group ?? ""
        let inventory: ResolvedInventory
        switch InventoryRef(from.inventory ?? "") {
        case .stored(let id):
            guard identity.access.allows(inventory: id), let stored = try await store.inventories.find(id) else {
                throw DomainError(.invalid, "the choices of \"\(question.question)\" come from inventory \(id), which you cannot use")
            }
            inventory = .stored(stored)
        case .path(let path):
            inventory = .file(
                try dependencies.catalog.resolve(path, in: template.definition.parameters.project, field: "choices_from.inventory"))
        }
        let launcher = Launcher(user: identity.user.name, teams: identity.user.teams)
        let resolved = try await resolveHosts(inventory, launcher: launcher, environment: [:], limit: nil, failure: failure)
        guard let hosts = InventoryHosts.names(in: resolved, group: group) else {
            throw DomainError(.unprocessable, failure, detail: "the inventory has no group \(group)")
        }
        return hosts
    }

    /// The caller may launch, and their grants reach the project, inventory and credentials.
    func checkGrants(_ parameters: JobParameters, _ identity: Identity) throws {
        guard identity.user.role >= .operator else {
            throw DomainError(
                .forbidden, "launching jobs needs the operator role", detail: "\(identity.user.name) is a \(identity.user.role.rawValue)")
        }
        let access = identity.access
        guard access.allows(project: parameters.project) else {
            throw DomainError(.forbidden, "you have no grant on project \"\(parameters.project)\"", detail: "ask an admin for one")
        }
        if let id = parameters.inventoryRef.storedID, !access.allows(inventory: id) {
            throw DomainError(.forbidden, "you have no grant on inventory \(id)", detail: "ask an admin for one")
        }
        if let id = (parameters.credentials ?? []).first(where: { !access.allows(credential: $0) }) {
            throw DomainError(.forbidden, "you have no grant on credential \(id)", detail: "ask an admin for one")
        }
    }

    /// Decides where the job may run and how much it weighs: the groups of its template,
    /// else of its inventory, else of its project (none: any worker), narrowed to the one
    /// the launch chose, which must be among them; its template's weight, else its forks.
    private func place(_ parameters: inout JobParameters) async throws {
        var template: JobTemplate?
        if let id = parameters.templateID { template = try await store.templates.find(id) }
        let allowed: (groups: [String], of: String)
        if let template, !template.definition.workerGroups.isEmpty {
            allowed = (template.definition.workerGroups, "template \"\(template.name)\"")
        } else if let id = parameters.inventoryRef.storedID, let inventory = try await store.inventories.find(id),
            !inventory.workerGroups.isEmpty
        {
            allowed = (inventory.workerGroups, "inventory \"\(inventory.name)\"")
        } else {
            allowed = (try await store.workers.groups(ofProject: parameters.project), "project \"\(parameters.project)\"")
        }
        if let chosen = parameters.workerGroup {
            guard allowed.groups.isEmpty || allowed.groups.contains(chosen) else {
                throw DomainError(
                    .invalid, "worker group \"\(chosen)\" is not one that \(allowed.of) runs on",
                    detail: "choose one of \(allowed.groups.joined(separator: ", ")), or none to run on any of them")
            }
            parameters.workerGroups = [chosen]
        } else {
            parameters.workerGroups = allowed.groups
        }
        parameters.weight = ForkCapacity.weight(forks: parameters.forks, templateWeight: template?.definition.weight)
    }

    /// `job` with the reason it waits when no worker of its groups is active, said at once
    /// rather than at the web process's next look at the queue.
    private func explainingWait(_ job: Job) async throws -> Job {
        guard !job.workerGroups.isEmpty else { return job }
        try await store.jobs.explainWaits(lease: dependencies.lease, only: [job.id])
        return try await store.jobs.find(job.id) ?? job
    }

    private func storedInventory(_ id: Int64) async throws -> Inventory {
        guard let stored = try await store.inventories.find(id) else {
            throw DomainError(.invalid, "inventory \(id) does not exist", detail: "list inventories with GET /api/v1/inventories")
        }
        return stored
    }

    /// What only an admin may decide: variables Ansible connects or executes by (unless
    /// the template allows them), and environment names nobody declared. A template's own
    /// extra vars and environment were written by an admin and pass.
    private func checkLauncherValues(_ parameters: JobParameters) async throws {
        var template: JobTemplate?
        if let id = parameters.templateID { template = try await store.templates.find(id) }
        try LaunchValues.checkLauncherVariables(
            Array((parameters.extraVars ?? [:]).keys) + (parameters.sealedVarNames ?? []),
            allowed: Set(template?.definition.allowedVars ?? []))
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
            kinds.append(try await store.namedCredential(id).kind)
        }
        try Credential.Kind.checkCombination(kinds)
    }

    /// Splits the hosts the launch would run against into `slices` groups and queues a
    /// job per group under one parent.
    private func launchSliced(
        _ parameters: JobParameters, inventory: ResolvedInventory, launcher: Launcher, slices: Int
    ) async throws -> (Job, [Job]) {
        let resolved = try await resolveHosts(
            inventory, launcher: launcher, environment: parameters.env ?? [:], limit: parameters.limit,
            failure: "the inventory could not be resolved to slice it")
        let hosts = InventoryHosts.names(in: resolved)
        guard !hosts.isEmpty else {
            throw DomainError(.invalid, "no hosts to slice", detail: "the inventory (and limit) match no host")
        }
        return try await store.jobs.insertSliced(parameters, hostGroups: InventoryHosts.slices(hosts, count: slices))
    }

    /// The inventory's hosts as `launcher` sees them, one of the user's inventory
    /// resolutions at a time; a failure to read it is `failure` with Ansible's reason.
    private func resolveHosts(
        _ inventory: ResolvedInventory, launcher: Launcher, environment: [String: String], limit: String?, failure: String
    ) async throws -> JSONValue {
        do {
            return try await dependencies.work.withPermit(user: launcher.user, kind: .inventoryResolution) {
                try await dependencies.resolveHosts(inventory, launcher, environment, limit)
            }
        } catch let error as ValidationError {
            throw DomainError(.unprocessable, failure, detail: error.message)
        }
    }
}
