public import Foundation

/// A stored workflow template.
public struct Workflow: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var definition: WorkflowDefinition
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, name: String, definition: WorkflowDefinition, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.definition = definition
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a workflow's launcher set for the whole run: the survey's answers and extra vars
/// (data every node gets), and a limit and inventory for the template nodes that prompt
/// for them.
public struct WorkflowLaunch: Sendable, Equatable, Codable {
    public var extraVars: [String: JSONValue]?
    public var limit: String?
    public var inventory: String?

    public init(extraVars: [String: JSONValue]? = nil, limit: String? = nil, inventory: String? = nil) {
        self.extraVars = extraVars
        self.limit = limit
        self.inventory = inventory
    }

    enum CodingKeys: String, CodingKey {
        case limit, inventory
        case extraVars = "extra_vars"
    }
}

/// One run of a workflow: its graph as it was at launch, and how it stands.
public struct WorkflowJob: Sendable, Equatable {
    public var id: Int64
    /// The stored workflow it runs; nil for a workflow read from a project's files.
    public var workflowID: Int64?
    public var name: String
    /// Where a workflow from files came from: `project:path`.
    public var source: String?
    public var definition: WorkflowDefinition
    /// `running` until it ends `successful`, `failed`, `error` or `canceled`.
    public var status: JobStatus
    public var launchedBy: String
    public var launch: WorkflowLaunch
    public var createdAt: Date
    public var finishedAt: Date?
    public var error: String?
    public var cancelRequested: Bool
    /// The workflow job this one resumes.
    public var resumeOf: Int64?
    /// For a nested workflow: the workflow job that runs it, and the node (row id) there.
    public var parentID: Int64?
    public var parentNodeID: Int64?
    /// How deep it is nested: 0 for a workflow launched by itself.
    public var depth: Int

    public init(
        id: Int64, workflowID: Int64?, name: String, source: String?, definition: WorkflowDefinition, status: JobStatus,
        launchedBy: String, launch: WorkflowLaunch, createdAt: Date, finishedAt: Date? = nil, error: String? = nil,
        cancelRequested: Bool = false, resumeOf: Int64? = nil, parentID: Int64? = nil, parentNodeID: Int64? = nil, depth: Int = 0
    ) {
        self.id = id
        self.workflowID = workflowID
        self.name = name
        self.source = source
        self.definition = definition
        self.status = status
        self.launchedBy = launchedBy
        self.launch = launch
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.error = error
        self.cancelRequested = cancelRequested
        self.resumeOf = resumeOf
        self.parentID = parentID
        self.parentNodeID = parentNodeID
        self.depth = depth
    }

    /// The deepest a workflow may nest workflows.
    public static let maxDepth = 5
}

/// A node of a workflow job, as it stands: its job or nested workflow job once started,
/// the artifacts it passes on, and for an approval who decided what.
public struct WorkflowNodeRun: Sendable, Equatable {
    /// The row's id; an approval is decided by it.
    public var id: Int64
    public var workflowJobID: Int64
    /// The node's id in the graph.
    public var node: String
    public var state: WorkflowNodeState
    public var jobID: Int64?
    /// For a workflow node: the nested workflow job.
    public var childID: Int64?
    /// The `set_stats` data of this node and of the nodes before it.
    public var artifacts: [String: JSONValue]?
    /// Why the node could not start, or how its approval ended.
    public var message: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// When a waiting approval decides itself.
    public var expiresAt: Date?
    public var decidedBy: String?
    public var decision: ApprovalRule.Decision?
    /// For a resumed node rerun on its failed hosts only: those hosts.
    public var rerunLimit: String?
    /// True when a resume kept this node's result from the workflow job it resumes.
    public var kept: Bool

    public init(
        id: Int64, workflowJobID: Int64, node: String, state: WorkflowNodeState, jobID: Int64? = nil, childID: Int64? = nil,
        artifacts: [String: JSONValue]? = nil, message: String? = nil, startedAt: Date? = nil, finishedAt: Date? = nil,
        expiresAt: Date? = nil, decidedBy: String? = nil, decision: ApprovalRule.Decision? = nil, rerunLimit: String? = nil,
        kept: Bool = false
    ) {
        self.id = id
        self.workflowJobID = workflowJobID
        self.node = node
        self.state = state
        self.jobID = jobID
        self.childID = childID
        self.artifacts = artifacts
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.expiresAt = expiresAt
        self.decidedBy = decidedBy
        self.decision = decision
        self.rerunLimit = rerunLimit
        self.kept = kept
    }
}
