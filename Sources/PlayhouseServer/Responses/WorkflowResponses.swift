import Foundation
import Hummingbird
import PlayhouseCore

extension Workflow: EditedRecord {}

/// A workflow as the API shows it: its graph, survey and prompts.
typealias WorkflowResponse = StampedResponse<WorkflowDefinition>

extension StampedResponse<WorkflowDefinition> {
    init(_ workflow: Workflow) {
        self.init(workflow.definition, of: workflow)
    }
}

/// A workflow job as a listing shows it.
struct WorkflowJobFields: Encodable, Sendable {
    var id: Int64
    @ExplicitNull var workflowID: Int64?
    var name: String
    @ExplicitNull var source: String?
    var status: String
    var launchedBy: String
    var extraVars: [String: JSONValue]
    @ExplicitNull var limit: String?
    @ExplicitNull var inventory: String?
    var createdAt: String
    @ExplicitNull var finishedAt: String?
    @ExplicitNull var error: String?
    var cancelRequested: Bool
    @ExplicitNull var resumeOf: Int64?
    /// For a nested run: the run it is nested in.
    @ExplicitNull var parentID: Int64?
    @ExplicitNull var parentNodeID: Int64?
    var depth: Int

    init(_ job: WorkflowJob) {
        id = job.id
        workflowID = job.workflowID
        name = job.name
        source = job.source
        status = job.status.rawValue
        launchedBy = job.launchedBy
        extraVars = job.launch.extraVars ?? [:]
        limit = job.launch.limit
        inventory = job.launch.inventory
        createdAt = Timestamp.format(job.createdAt)
        finishedAt = job.finishedAt.map(Timestamp.format)
        error = job.error
        cancelRequested = job.cancelRequested
        resumeOf = job.resumeOf
        parentID = job.parentID
        parentNodeID = job.parentNodeID
        depth = job.depth
    }

    enum CodingKeys: String, CodingKey {
        case id, name, source, status, limit, inventory, error, depth
        case workflowID = "workflow_id"
        case launchedBy = "launched_by"
        case extraVars = "extra_vars"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
        case cancelRequested = "cancel_requested"
        case resumeOf = "resume_of"
        case parentID = "parent_id"
        case parentNodeID = "parent_node_id"
    }
}

/// A workflow job with its graph and every node as it stands.
typealias WorkflowJobResponse = Merged<WorkflowJobFields, WorkflowJobDetail>

extension Merged<WorkflowJobFields, WorkflowJobDetail> {
    /// The run as `viewer` sees it: which approvals they may decide.
    init(_ job: WorkflowJob, nodes: [WorkflowNodeRun], jobs: [Int64: Job], viewer: User) {
        self.init(WorkflowJobFields(job), WorkflowJobDetail(job, nodes: nodes, jobs: jobs, viewer: viewer))
    }
}

/// A workflow job's graph, nodes and artifacts.
struct WorkflowJobDetail: Encodable, Sendable {
    var definition: WorkflowDefinition
    var nodes: [WorkflowNodeResponse]
    /// What the nodes published with `set_stats`, node after node.
    var artifacts: [String: JSONValue]

    init(_ job: WorkflowJob, nodes: [WorkflowNodeRun], jobs: [Int64: Job], viewer: User) {
        definition = job.definition
        self.nodes = nodes.map { node in WorkflowNodeResponse(node, in: job, job: node.jobID.flatMap { jobs[$0] }, viewer: viewer) }
        artifacts = WorkflowService.artifacts(of: nodes, in: job.definition)
    }
}

/// One node of a workflow job.
struct WorkflowNodeResponse: ResponseEncodable, Sendable {
    /// The node row's id: an approval's id.
    var id: Int64
    var node: String
    var type: String
    var state: String
    @ExplicitNull var jobID: Int64?
    /// The status of the node's job, which tells queued from running.
    @ExplicitNull var jobStatus: String?
    @ExplicitNull var childID: Int64?
    var artifacts: [String: JSONValue]
    @ExplicitNull var message: String?
    @ExplicitNull var startedAt: String?
    @ExplicitNull var finishedAt: String?
    @ExplicitNull var expiresAt: String?
    @ExplicitNull var decidedBy: String?
    @ExplicitNull var decision: String?
    @ExplicitNull var rerunLimit: String?
    var kept: Bool
    /// Whether the one asking may approve or deny this node now.
    var canDecide: Bool

    init(_ node: WorkflowNodeRun, in job: WorkflowJob, job ran: Job?, viewer: User) {
        id = node.id
        self.node = node.node
        type = job.definition.node(node.node)?.kind.rawValue ?? "template"
        state = node.state.rawValue
        jobID = node.jobID
        jobStatus = ran?.status.rawValue
        childID = node.childID
        artifacts = node.artifacts ?? [:]
        message = node.message
        startedAt = node.startedAt.map(Timestamp.format)
        finishedAt = node.finishedAt.map(Timestamp.format)
        expiresAt = node.expiresAt.map(Timestamp.format)
        decidedBy = node.decidedBy
        decision = node.decision?.rawValue
        rerunLimit = node.rerunLimit
        kept = node.kept
        let rule = job.definition.node(node.node)?.approval
        canDecide = node.state == .waiting && rule?.allows(user: viewer.name, memberOf: viewer.teams) == true
    }

    enum CodingKeys: String, CodingKey {
        case id, node, type, state, artifacts, message, decision, kept
        case jobID = "job_id"
        case jobStatus = "job_status"
        case childID = "child_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case expiresAt = "expires_at"
        case decidedBy = "decided_by"
        case rerunLimit = "rerun_limit"
        case canDecide = "can_decide"
    }
}

/// An approval waiting for the caller: where it is and what it asks.
struct ApprovalResponse: Encodable, Sendable {
    var id: Int64
    var workflowJobID: Int64
    var workflow: String
    var node: String
    var launchedBy: String
    @ExplicitNull var message: String?
    var users: [String]
    var teams: [String]
    @ExplicitNull var startedAt: String?
    @ExplicitNull var expiresAt: String?
    var onTimeout: String

    init(_ node: WorkflowNodeRun, in job: WorkflowJob, rule: ApprovalRule) {
        id = node.id
        workflowJobID = job.id
        workflow = job.name
        self.node = node.node
        launchedBy = job.launchedBy
        message = rule.message
        users = rule.users
        teams = rule.teams
        startedAt = node.startedAt.map(Timestamp.format)
        expiresAt = node.expiresAt.map(Timestamp.format)
        onTimeout = rule.onTimeout.rawValue
    }

    enum CodingKeys: String, CodingKey {
        case id, workflow, node, message, users, teams
        case workflowJobID = "workflow_job_id"
        case launchedBy = "launched_by"
        case startedAt = "started_at"
        case expiresAt = "expires_at"
        case onTimeout = "on_timeout"
    }
}
