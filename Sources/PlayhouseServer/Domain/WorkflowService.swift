import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore

/// The rules of workflows, in one place: what a graph may hold, who may launch, resume,
/// cancel and decide, and what each of those stores and audits. Routes, the conductor
/// and the project files all call it; it throws ``DomainError`` and ``ValidationError``.
struct WorkflowService: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    /// A graph to run, and where it comes from.
    struct Source: Sendable {
        /// The stored workflow; nil for one read from a project's files.
        var workflowID: Int64?
        var name: String
        /// For a file: `project:path`.
        var file: String?
        var definition: WorkflowDefinition
    }

    /// What a launch of a workflow sets: fields among its prompts, and survey answers.
    struct Input: Sendable {
        var launch = WorkflowLaunch()
        var fields: Set<String> = []
        var answers: [String: JSONValue] = [:]
    }

    // MARK: Launch

    /// Starts a run of `source` for `identity`: every template it runs (nested workflows
    /// included) must exist and be launchable by them; the survey's answers and the
    /// launch's extra vars become the variables every node gets.
    func launch(_ source: Source, input: Input, by identity: Identity, from origin: LaunchService.Origin) async throws -> WorkflowJob {
        let definition = source.definition
        guard identity.user.role >= .operator else {
            throw DomainError(
                .forbidden, "launching workflows needs the operator role",
                detail: "\(identity.user.name) is a \(identity.user.role.rawValue)")
        }
        if let fixed = input.fields.sorted().first(where: { !definition.prompts.contains($0) }) {
            throw DomainError(
                .invalid, "\(fixed) is fixed by workflow \"\(source.name)\"",
                detail: definition.prompts.isEmpty
                    ? "it asks for nothing but its survey" : "it lets you set \(definition.prompts.joined(separator: ", "))")
        }
        let variables = try Self.variables(of: definition, input: input)
        try await check(definition, saving: source.workflowID)
        try await checkLaunchable(definition, launch: input.launch, by: identity, depth: 0)
        let job = try await store.workflows.insertJob(
            WorkflowJobDraft(
                workflowID: source.workflowID, name: source.name, source: source.file, definition: definition,
                launchedBy: identity.user.name,
                launch: WorkflowLaunch(
                    extraVars: variables.isEmpty ? nil : variables, limit: input.launch.limit, inventory: input.launch.inventory)))
        let detail = ["workflow \(source.name)", origin.via.map { "via \($0)" }].compactMap { $0 }.joined(separator: ", ")
        await dependencies.audit(identity, origin, .workflowLaunch, target: "workflow job \(job.id)", detail: detail)
        return job
    }

    /// The variables of a run: the workflow's own extra vars, the launch's over them, the
    /// survey's answers over both. A launcher may not set what Ansible connects or
    /// executes by.
    static func variables(of definition: WorkflowDefinition, input: Input) throws(ValidationError) -> [String: JSONValue] {
        let given = input.launch.extraVars ?? [:]
        try LaunchValues.checkExtraVars(given)
        try LaunchValues.checkLauncherVariables(given.keys, allowed: [])
        let asked = Set(definition.survey.map(\.variable))
        if let unknown = input.answers.keys.sorted().first(where: { !asked.contains($0) }) {
            throw ValidationError("the survey has no question for \"\(unknown)\"")
        }
        var variables = (definition.extraVars ?? [:]).merging(given) { $1 }
        for question in definition.survey {
            if let answer = try question.answer(input.answers[question.variable], choices: question.choices) {
                variables[question.variable] = answer
            }
        }
        try LaunchValues.checkExtraVars(variables)
        return variables
    }

    // MARK: Resume, cancel, approvals

    /// Starts a new run of a workflow job that ended without success: its successful
    /// nodes are kept (results and artifacts), the nodes that failed and every node after
    /// them run again; `.failed` reruns each failed node on its failed hosts only.
    func resume(_ id: Int64, hosts: LaunchService.RelaunchHosts, by identity: Identity, from origin: LaunchService.Origin) async throws
        -> WorkflowJob
    {
        let original = try await visibleJob(id, to: identity)
        guard original.status.isFinal else {
            throw DomainError(.conflict, "workflow job \(id) is still running", detail: "resume it once it has ended")
        }
        guard original.status != .successful else {
            throw DomainError(.conflict, "workflow job \(id) succeeded", detail: "there is nothing to resume; launch the workflow again")
        }
        try await checkLaunchable(original.definition, launch: original.launch, by: identity, depth: original.depth)
        let graph = WorkflowGraph(original.definition)
        let nodes = try await store.workflows.nodes(of: id)
        let failed = nodes.filter { [.failed, .error, .canceled].contains($0.state) }
        let rerun = graph.descendants(of: failed.map(\.node))
        var kept: [String: WorkflowNodeRun] = [:]
        for node in nodes where node.state == .successful && !rerun.contains(node.node) { kept[node.node] = node }
        var limits: [String: String] = [:]
        if hosts == .failed {
            for node in failed {
                guard let jobID = node.jobID, let job = try await store.jobs.find(jobID) else { continue }
                let hosts = job.summary.hosts.filter { $0.value.failed > 0 || $0.value.unreachable > 0 }.keys.sorted()
                if !hosts.isEmpty { limits[node.node] = hosts.joined(separator: ",") }
            }
        }
        let job = try await store.workflows.insertJob(
            WorkflowJobDraft(
                workflowID: original.workflowID, name: original.name, source: original.source, definition: original.definition,
                launchedBy: identity.user.name, launch: original.launch, resumeOf: id),
            kept: kept, rerunLimits: limits)
        let detail = "of workflow job \(id), keeping \(kept.count) node(s), \(hosts == .failed ? "failed hosts only" : "all hosts")"
        await dependencies.audit(identity, origin, .workflowResume, target: "workflow job \(job.id)", detail: detail)
        return job
    }

    /// Asks a running workflow job to stop: nothing more starts and its running nodes are
    /// canceled (the conductor does it); it ends `canceled` once nothing runs.
    func cancel(_ id: Int64, by identity: Identity, from origin: LaunchService.Origin) async throws -> WorkflowJob {
        let job = try await visibleJob(id, to: identity)
        // Seeing a run to decide its approval is not a grant on what it runs.
        guard try await isVisible(job.definition, to: identity.access) else {
            throw DomainError(.forbidden, "you have no grant on every template workflow job \(id) runs", detail: "ask an admin for one")
        }
        guard job.status == .running else {
            throw DomainError(.conflict, "workflow job \(id) has ended (\(job.status.rawValue))", detail: "there is nothing to cancel")
        }
        guard let canceled = try await store.workflows.requestCancel(id) else { throw RecordKind.workflowJob.notFound(id) }
        await dependencies.audit(identity, origin, .workflowCancel, target: "workflow job \(id)", detail: "workflow \(job.name)")
        return canceled
    }

    /// Approves or denies a waiting approval node, if `identity` is named on it.
    func decide(_ nodeID: Int64, approve: Bool, by identity: Identity, from origin: LaunchService.Origin) async throws -> WorkflowNodeRun {
        guard let node = try await store.workflows.node(nodeID), let job = try await store.workflows.job(node.workflowJobID),
            let rule = job.definition.node(node.node)?.approval
        else { throw RecordKind.approval.notFound(nodeID) }
        guard rule.allows(user: identity.user.name, memberOf: identity.user.teams) else {
            throw DomainError(
                .forbidden, "you are not named on approval \(nodeID)",
                detail: "it may be decided by " + Self.approvers(rule))
        }
        guard node.state == .waiting else {
            throw DomainError(
                .conflict, "approval \(nodeID) is not waiting (it is \(node.state.rawValue))", detail: "it was decided already")
        }
        var decided = node
        decided.state = approve ? .successful : .failed
        decided.decision = approve ? .approve : .deny
        decided.decidedBy = identity.user.name
        decided.finishedAt = Date()
        decided.message = approve ? "approved by \(identity.user.name)" : "denied by \(identity.user.name)"
        guard try await store.workflows.save(decided, expecting: [.waiting]) else {
            throw DomainError(.conflict, "approval \(nodeID) was decided meanwhile", detail: "reload the workflow job")
        }
        await dependencies.audit(
            identity, origin, approve ? .approvalApprove : .approvalDeny, target: "approval \(nodeID)",
            detail: "workflow job \(job.id), node \(node.node)")
        return decided
    }

    /// "users a, b and teams c", for messages.
    static func approvers(_ rule: ApprovalRule) -> String {
        [
            rule.users.isEmpty ? nil : "users \(rule.users.joined(separator: ", "))",
            rule.teams.isEmpty ? nil : "teams \(rule.teams.joined(separator: ", "))",
        ].compactMap { $0 }.joined(separator: " and ")
    }

    // MARK: Reading

    /// The workflow job, if the caller may see it (``isVisible(_:to:)``), or is named on one
    /// of its approvals: who is asked to decide sees what they decide about.
    func visibleJob(_ id: Int64, to identity: Identity) async throws -> WorkflowJob {
        guard let job = try await store.workflows.job(id) else { throw RecordKind.workflowJob.notFound(id) }
        let user = identity.user
        let approver = job.definition.nodes.contains { $0.approval?.allows(user: user.name, memberOf: user.teams) == true }
        if !approver, try await !isVisible(job.definition, to: identity.access) { throw RecordKind.workflowJob.notFound(id) }
        return job
    }

    /// Whether the caller's grants reach the project of every template the graph runs.
    func isVisible(_ definition: WorkflowDefinition, to access: Access) async throws -> Bool {
        for node in definition.nodes where node.kind == .template {
            guard let reference = node.template else { continue }
            if let template = try await template(reference), !access.allows(project: template.definition.parameters.project) {
                return false
            }
        }
        return true
    }

    /// The artifacts of a run, node after node in the graph's order.
    static func artifacts(of nodes: [WorkflowNodeRun], in definition: WorkflowDefinition) -> [String: JSONValue] {
        let byNode = Dictionary(nodes.map { ($0.node, $0) }) { first, _ in first }
        var merged: [String: JSONValue] = [:]
        for node in WorkflowGraph(definition).topologicalOrder() {
            if let artifacts = byNode[node]?.artifacts { merged.merge(artifacts) { $1 } }
        }
        return merged
    }

    // MARK: References

    /// The template a node names, or nil.
    func template(_ reference: RecordReference) async throws -> JobTemplate? {
        switch reference {
        case .id(let id): try await store.templates.find(id)
        case .name(let name): try await store.templates.named(name)
        }
    }

    /// The workflow a node names, or nil.
    func workflow(_ reference: RecordReference) async throws -> Workflow? {
        switch reference {
        case .id(let id): try await store.workflows.find(id)
        case .name(let name): try await store.workflows.named(name)
        }
    }
}

extension WorkflowService.Source {
    /// A stored workflow's graph, as it is now.
    init(_ workflow: Workflow) {
        self.init(workflowID: workflow.id, name: workflow.name, file: nil, definition: workflow.definition)
    }
}
