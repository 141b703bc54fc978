import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import ServiceLifecycle

/// Moves workflow jobs on: when a node's job ends, an approval is decided or times out, or
/// a run is launched or canceled, it records how each node stands and starts the nodes
/// whose edges fired, as ordinary jobs on the queue.
///
/// Every server runs one, woken by the store's `workflows` channel (across processes on
/// PostgreSQL) and by a tick of its own, so a restart or a missed wake-up only delays a
/// step. Every step is a compare-and-set in the store, and a node launches one job at
/// most (the jobs table's unique `workflow_node_id`): of conductors racing, one wins and
/// the others adopt what it did.
struct WorkflowConductor: Service {
    let dependencies: ServerDependencies
    /// How often it looks without a wake-up: approval timeouts are seen this late at most.
    let interval: Duration
    let logger: Logger

    private var store: Store { dependencies.store }
    private var workflows: WorkflowService { WorkflowService(dependencies: dependencies) }

    func run() async {
        let notifications = store.notifications
        let wakeUps = notifications.subscribe(to: [.workflows])
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        notifications.post(.workflows)
                    }
                }
                group.addTask {
                    await sweep()
                    for await _ in wakeUps { await sweep() }
                }
            }
        }
    }

    /// Moves on every running workflow job; one that cannot be moved on now (the database
    /// away) is tried again at the next sweep, and holds up none of the others.
    func sweep(now: Date = Date()) async {
        let running: [Int64]
        do {
            running = try await store.workflows.running()
        } catch {
            // While the database is away the store has said so; the sweep after it is back moves them on.
            if !Task.isCancelled, !Store.isUnavailable(error) { logger.error("could not read the running workflow jobs: \(error)") }
            return
        }
        for id in running where !Task.isCancelled {
            do {
                try await advance(id, now: now)
            } catch {
                if !Task.isCancelled { logger.error("could not move a workflow job on: \(error)", metadata: ["workflow_job": "\(id)"]) }
            }
        }
    }

    /// Moves one workflow job on as far as it goes now: nodes whose jobs ended take their
    /// outcome, approvals past their time decide, then the state machine's step runs.
    func advance(_ id: Int64, now: Date = Date()) async throws {
        // A node that cannot start ends `error` at once, which may fire an edge: go round
        // again until nothing changes (at most once per node).
        for _ in 0...WorkflowDefinition.maxNodes {
            guard let job = try await store.workflows.job(id), job.status == .running else { return }
            guard try await step(job, now: now) else { return }
        }
    }

    /// One round; true when a node changed in a way that may fire edges at once.
    private func step(_ job: WorkflowJob, now: Date) async throws -> Bool {
        let graph = WorkflowGraph(job.definition)
        var nodes = Dictionary(try await store.workflows.nodes(of: job.id).map { ($0.node, $0) }) { first, _ in first }
        for (name, node) in nodes where !node.state.isFinal {
            if let updated = try await settle(node, of: job, graph: graph, nodes: nodes, now: now) { nodes[name] = updated }
        }
        let step = WorkflowProgress.next(graph, states: nodes.mapValues(\.state), canceling: job.cancelRequested)
        if job.cancelRequested { try await stopRunning(nodes.values, now: now) }
        for name in step.skip {
            guard var node = nodes[name] else { continue }
            node.state = .skipped
            try await store.workflows.save(node, expecting: [.pending])
        }
        var again = false
        for name in step.start {
            guard let node = nodes[name], let definition = job.definition.node(name) else { continue }
            let inherited = Self.inherited(name, graph: graph, nodes: nodes)
            if let started = await start(node, definition, of: job, inherited: inherited, now: now), started.state.isFinal {
                again = true
            }
        }
        if let status = step.status {
            let error = Self.unhandled(graph, nodes: nodes, status: status)
            if try await store.workflows.end(job.id, status: status, error: error, now: now) {
                logger.info("workflow job ended", metadata: ["workflow_job": "\(job.id)", "status": .string(status.rawValue)])
            }
        }
        return again
    }

    /// A node that runs or waits, brought up to date with its job, nested run or clock;
    /// nil when nothing changed.
    private func settle(
        _ node: WorkflowNodeRun, of job: WorkflowJob, graph: WorkflowGraph, nodes: [String: WorkflowNodeRun], now: Date
    ) async throws -> WorkflowNodeRun? {
        var settled = node
        switch node.state {
        case .running:
            if let jobID = node.jobID {
                guard let ran = try await store.jobs.find(jobID), ran.status.isFinal else { return nil }
                settled.state = WorkflowNodeState(job: ran.status)
                settled.artifacts = Self.merged(Self.inherited(node.node, graph: graph, nodes: nodes), ran.summary.artifacts)
                settled.message = ran.error
                settled.finishedAt = ran.finishedAt ?? now
            } else if let childID = node.childID {
                guard let child = try await store.workflows.job(childID), child.status.isFinal else { return nil }
                let childNodes = try await store.workflows.nodes(of: childID)
                settled.state = WorkflowNodeState(job: child.status)
                settled.artifacts = Self.merged(
                    Self.inherited(node.node, graph: graph, nodes: nodes), WorkflowService.artifacts(of: childNodes, in: child.definition))
                settled.message = child.error
                settled.finishedAt = child.finishedAt ?? now
            } else {
                return nil
            }
        case .waiting:
            guard let expiry = node.expiresAt, expiry <= now, let rule = job.definition.node(node.node)?.approval else { return nil }
            settled.state = rule.onTimeout == .approve ? .successful : .failed
            settled.decision = rule.onTimeout
            settled.finishedAt = now
            settled.message = "no one decided within \(Int(rule.timeout ?? 0)) s: \(rule.onTimeout == .approve ? "approved" : "denied")"
            guard try await store.workflows.save(settled, expecting: [.waiting]) else { return nil }
            await dependencies.audit(
                AuditEntry(
                    actor: job.launchedBy, action: .approvalTimeout, target: "approval \(node.id)", source: "workflow",
                    detail: "workflow job \(job.id), node \(node.node): \(settled.message ?? "")"),
                logger: logger)
            return settled
        default:
            return nil
        }
        guard try await store.workflows.save(settled, expecting: [node.state]) else { return nil }
        return settled
    }

    /// Starts one node; the node as saved, or nil when another conductor moved it first.
    private func start(
        _ node: WorkflowNodeRun, _ definition: WorkflowNode, of job: WorkflowJob, inherited: [String: JSONValue], now: Date
    ) async -> WorkflowNodeRun? {
        var started = node
        started.startedAt = now
        do {
            switch definition.kind {
            case .approval:
                started.state = .waiting
                started.expiresAt = definition.approval?.timeout.map { now.addingTimeInterval($0) }
            case .template:
                started.jobID = try await launchTemplate(node, definition, of: job, inherited: inherited)
                started.state = .running
            case .workflow:
                started.childID = try await launchNested(node, definition, of: job, inherited: inherited)
                started.state = .running
            }
        } catch {
            guard let message = APIError.refusal(error) else {
                // Not a refusal but a failure (the database away): the node stays pending for the next sweep.
                logger.error(
                    "workflow node could not start now: \(error)", metadata: ["workflow_job": "\(job.id)", "node": .string(node.node)])
                return nil
            }
            started.state = .error
            started.finishedAt = now
            started.message = message
            logger.warning(
                "workflow node could not start",
                metadata: ["workflow_job": "\(job.id)", "node": .string(node.node), "error": .string(message)])
        }
        do {
            guard try await store.workflows.save(started, expecting: [.pending]) else { return nil }
            if started.state == .waiting { await store.notificationTargets.enqueueApproval(started.id, now: now) }
        } catch {
            logger.error("could not record a workflow node's start: \(error)", metadata: ["workflow_job": "\(job.id)"])
            return nil
        }
        return started
    }

    /// Queues the node's template as the workflow's launcher, with the run's variables
    /// over the artifacts before it; returns its job. A job the node launched already
    /// (a conductor that stopped before it recorded it, or one racing this one) is adopted.
    private func launchTemplate(
        _ node: WorkflowNodeRun, _ definition: WorkflowNode, of job: WorkflowJob, inherited: [String: JSONValue]
    ) async throws -> Int64 {
        if let existing = try await store.jobs.launched(byNode: node.id) { return existing.id }
        let launches = dependencies.launches
        guard let identity = try await launches.owner(named: job.launchedBy) else {
            throw DomainError(.forbidden, "\(job.launchedBy), who launched the workflow, no longer may launch jobs")
        }
        guard let reference = definition.template, let template = try await workflows.template(reference) else {
            throw DomainError(.invalid, "template \(definition.template?.description ?? "?") no longer exists")
        }
        let overrides = try WorkflowService.overrides(of: definition, in: template, launch: job.launch)
        let variables = inherited.merging(job.launch.extraVars ?? [:]) { $1 }
        let asked = Set(template.definition.survey.filter { $0.kind != .password }.map(\.variable))
        let origin = LaunchService.Origin(source: "workflow", via: "workflow job \(job.id)", logger: logger)
        do {
            return try await launches.launch(
                template, overrides: overrides, answers: variables.filter { asked.contains($0.key) },
                node: .init(workflowJobID: job.id, nodeID: node.id, variables: variables, limit: node.rerunLimit), by: identity,
                from: origin
            ).job.id
        } catch let error as StoreError where error.code == .conflict {
            guard let existing = try await store.jobs.launched(byNode: node.id) else { throw error }
            return existing.id
        }
    }

    /// Starts the nested workflow of a node as a workflow job of its own, one level deeper.
    private func launchNested(
        _ node: WorkflowNodeRun, _ definition: WorkflowNode, of job: WorkflowJob, inherited: [String: JSONValue]
    ) async throws -> Int64 {
        if let existing = try await store.workflows.child(ofNode: node.id) { return existing.id }
        guard let reference = definition.workflow, let nested = try await workflows.workflow(reference) else {
            throw DomainError(.invalid, "workflow \(definition.workflow?.description ?? "?") no longer exists")
        }
        guard job.depth + 1 <= WorkflowJob.maxDepth else {
            throw DomainError(.invalid, "workflows nest more than \(WorkflowJob.maxDepth) deep here")
        }
        guard let identity = try await dependencies.launches.owner(named: job.launchedBy) else {
            throw DomainError(.forbidden, "\(job.launchedBy), who launched the workflow, no longer may launch jobs")
        }
        var launch = job.launch
        let variables = inherited.merging(job.launch.extraVars ?? [:]) { $1 }
        launch.extraVars = variables.isEmpty ? nil : variables
        try await workflows.checkLaunchable(nested.definition, launch: launch, by: identity, depth: job.depth + 1)
        do {
            return try await store.workflows.insertJob(
                WorkflowJobDraft(
                    workflowID: nested.id, name: nested.name, source: nil, definition: nested.definition, launchedBy: job.launchedBy,
                    launch: launch, parentID: job.id, parentNodeID: node.id, depth: job.depth + 1)
            ).id
        } catch let error as StoreError where error.code == .conflict {
            guard let existing = try await store.workflows.child(ofNode: node.id) else { throw error }
            return existing.id
        }
    }

    /// Cancels what still runs of a workflow job asked to stop: node jobs, nested runs and
    /// waiting approvals.
    private func stopRunning(_ nodes: some Sequence<WorkflowNodeRun>, now: Date) async throws {
        for node in nodes {
            switch node.state {
            case .running:
                if let jobID = node.jobID, let ran = try await store.jobs.find(jobID), !ran.status.isFinal, !ran.cancelRequested {
                    _ = try await store.jobs.requestCancel(jobID, now: now)
                }
                if let childID = node.childID, let child = try await store.workflows.job(childID), child.status == .running,
                    !child.cancelRequested
                {
                    _ = try await store.workflows.requestCancel(childID)
                }
            case .waiting:
                var canceled = node
                canceled.state = .canceled
                canceled.finishedAt = now
                canceled.message = "canceled with the workflow"
                try await store.workflows.save(canceled, expecting: [.waiting])
            default:
                break
            }
        }
    }

    /// The artifacts a node starts with: those of its parents that ran, in the graph's order.
    static func inherited(_ node: String, graph: WorkflowGraph, nodes: [String: WorkflowNodeRun]) -> [String: JSONValue] {
        let parents = Set(graph.edges(into: node).map(\.from))
        var merged: [String: JSONValue] = [:]
        for parent in graph.topologicalOrder() where parents.contains(parent) {
            if let artifacts = nodes[parent]?.artifacts { merged.merge(artifacts) { $1 } }
        }
        return merged
    }

    private static func merged(_ inherited: [String: JSONValue], _ own: [String: JSONValue]?) -> [String: JSONValue]? {
        let all = inherited.merging(own ?? [:]) { $1 }
        return all.isEmpty ? nil : all
    }

    /// Why a run did not succeed, naming the nodes whose failure nothing handled.
    private static func unhandled(_ graph: WorkflowGraph, nodes: [String: WorkflowNodeRun], status: JobStatus) -> String? {
        guard status == .failed || status == .error else { return nil }
        let names = graph.topologicalOrder().filter { name in
            guard let node = nodes[name], [.failed, .error].contains(node.state) else { return false }
            return !graph.edges(outOf: name).contains { $0.on != .onSuccess }
        }
        let described = names.prefix(5).map { name in
            let message = nodes[name]?.message.map { ": \($0)" } ?? ""
            return "node \(name) \(nodes[name]?.state.rawValue ?? "failed")\(message)"
        }
        return described.isEmpty ? nil : described.joined(separator: "; ")
    }
}
