public import Foundation
public import PlayhouseCore
import SQLKit

/// Stored workflows: graphs of templates, approvals and nested workflows.
public struct WorkflowRepository: Repository {
    let store: Store

    /// Stores a new workflow; the name must be unused.
    public func create(name: String, definition: WorkflowDefinition, now: Date = Date()) async throws -> Workflow {
        try await checkNameIsFree(name, in: "workflows", what: "a workflow")
        let time = now.timeIntervalSince1970
        return try await sql.raw(
            """
            INSERT INTO workflows (name, definition, created_at, updated_at)
            VALUES (\(bind: name), \(bind: JSONColumn.encode(definition)), \(bind: time), \(bind: time))
            RETURNING *
            """
        ).inserted("workflow", as: Workflow.self)
    }

    /// Replaces a workflow's name and graph; nil when there is no such workflow. Its runs
    /// keep the graph they started with.
    public func update(_ id: Int64, name: String, definition: WorkflowDefinition, now: Date = Date()) async throws -> Workflow? {
        try await checkNameIsFree(name, in: "workflows", except: id, what: "a workflow")
        return try await updateRow(
            id, in: "workflows",
            set: """
                name = \(bind: name), definition = \(bind: JSONColumn.encode(definition)), updated_at = \(bind: now.timeIntervalSince1970)
                """, as: Workflow.self)
    }

    /// Deletes a workflow (its runs stay); false when there was none.
    public func delete(_ id: Int64) async throws -> Bool {
        try await deleteRow(id, from: "workflows")
    }

    /// The workflow with this id, or nil.
    public func find(_ id: Int64) async throws -> Workflow? {
        try await row(id, in: "workflows", as: Workflow.self)
    }

    /// The workflow named so, or nil.
    public func named(_ name: String) async throws -> Workflow? {
        try await sql.raw("SELECT * FROM workflows WHERE name = \(bind: name)").first(as: Workflow.self)
    }

    /// Every workflow, by name.
    public func list() async throws -> [Workflow] {
        try await sql.raw("SELECT * FROM workflows ORDER BY name").all(as: Workflow.self)
    }
}

/// A workflow job about to be stored: what it runs, for whom, and where it comes from.
public struct WorkflowJobDraft: Sendable {
    public var workflowID: Int64?
    public var name: String
    public var source: String?
    public var definition: WorkflowDefinition
    public var launchedBy: String
    public var launch: WorkflowLaunch
    public var resumeOf: Int64?
    /// For a nested run: the run it is nested in, and its node there.
    public var parentID: Int64?
    public var parentNodeID: Int64?
    public var depth: Int

    public init(
        workflowID: Int64?, name: String, source: String?, definition: WorkflowDefinition, launchedBy: String, launch: WorkflowLaunch,
        resumeOf: Int64? = nil, parentID: Int64? = nil, parentNodeID: Int64? = nil, depth: Int = 0
    ) {
        self.workflowID = workflowID
        self.name = name
        self.source = source
        self.definition = definition
        self.launchedBy = launchedBy
        self.launch = launch
        self.resumeOf = resumeOf
        self.parentID = parentID
        self.parentNodeID = parentNodeID
        self.depth = depth
    }
}
