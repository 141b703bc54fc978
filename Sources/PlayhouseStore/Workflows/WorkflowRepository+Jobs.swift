public import Foundation
public import PlayhouseCore
import SQLKit

extension WorkflowRepository {
    /// Stores a workflow job `running`, with a pending row for each node of its graph,
    /// all in one transaction. A resume hands the nodes it keeps (their state, job and
    /// artifacts copied) and the limits of nodes rerun on their failed hosts. A second
    /// nested job for one node is refused (`conflict`).
    public func insertJob(
        _ draft: WorkflowJobDraft, kept: [String: WorkflowNodeRun] = [:], rerunLimits: [String: String] = [:], now: Date = Date()
    ) async throws -> WorkflowJob {
        let job = try await store.withTransaction { store in
            let job = try await store.workflows.insertJobRow(draft, now: now)
            for node in draft.definition.nodes {
                let copy = kept[node.id]
                try await store.sql.raw(
                    """
                    INSERT INTO workflow_nodes (workflow_job_id, node, state, job_id, child_id, artifacts, message, started_at,
                                                finished_at, decided_by, decision, rerun_limit, kept)
                    VALUES (\(bind: job.id), \(bind: node.id), \(bind: (copy?.state ?? .pending).rawValue), \(bind: copy?.jobID),
                            \(bind: copy?.childID), \(bind: copy?.artifacts.map(JSONColumn.encode)), \(bind: copy?.message),
                            \(bind: copy?.startedAt?.timeIntervalSince1970), \(bind: copy?.finishedAt?.timeIntervalSince1970),
                            \(bind: copy?.decidedBy), \(bind: copy?.decision?.rawValue), \(bind: rerunLimits[node.id]),
                            \(bind: copy == nil ? 0 : 1))
                    """
                ).run()
            }
            return job
        }
        await store.announce(.workflows)
        return job
    }

    private func insertJobRow(_ draft: WorkflowJobDraft, now: Date) async throws -> WorkflowJob {
        do {
            return try await sql.raw(
                """
                INSERT INTO workflow_jobs (workflow_id, name, source, definition, status, launched_by, launch, created_at,
                                           resume_of, parent_id, parent_node_id, depth)
                VALUES (\(bind: draft.workflowID), \(bind: draft.name), \(bind: draft.source),
                        \(bind: JSONColumn.encode(draft.definition)), \(bind: JobStatus.running.rawValue), \(bind: draft.launchedBy),
                        \(bind: JSONColumn.encode(draft.launch)), \(bind: now.timeIntervalSince1970), \(bind: draft.resumeOf),
                        \(bind: draft.parentID), \(bind: draft.parentNodeID), \(bind: draft.depth))
                RETURNING *
                """
            ).inserted("workflow job", as: WorkflowJob.self)
        } catch  where draft.parentNodeID != nil && Store.isUniqueViolation(error) {
            throw StoreError(.conflict, "workflow node \(draft.parentNodeID ?? 0) has a nested workflow job already")
        }
    }

    /// The workflow job with this id, or nil.
    public func job(_ id: Int64) async throws -> WorkflowJob? {
        try await row(id, in: "workflow_jobs", as: WorkflowJob.self)
    }

    /// The newest workflow jobs first, `limit` of them, older than `before` when given;
    /// only those of `workflowID` and in `status` when given.
    public func jobs(workflowID: Int64? = nil, status: JobStatus? = nil, limit: Int = 50, before: Int64? = nil) async throws
        -> [WorkflowJob]
    {
        var query: SQLQueryString = "SELECT * FROM workflow_jobs WHERE 1 = 1"
        if let workflowID { query += " AND workflow_id = \(bind: workflowID)" }
        if let status { query += " AND status = \(bind: status.rawValue)" }
        if let before { query += " AND id < \(bind: before)" }
        query += " ORDER BY id DESC LIMIT \(bind: limit)"
        return try await sql.raw(query).all(as: WorkflowJob.self)
    }

    /// The ids of the workflow jobs still running, oldest first.
    public func running() async throws -> [Int64] {
        try await sql.raw("SELECT id FROM workflow_jobs WHERE status = \(bind: JobStatus.running.rawValue) ORDER BY id")
            .all(decodingColumn: "id", as: Int64.self)
    }

    /// The nodes of a workflow job, in the order their rows were written (the graph's).
    public func nodes(of jobID: Int64) async throws -> [WorkflowNodeRun] {
        try await sql.raw("SELECT * FROM workflow_nodes WHERE workflow_job_id = \(bind: jobID) ORDER BY id").all(as: WorkflowNodeRun.self)
    }

    /// The node row with this id, or nil.
    public func node(_ id: Int64) async throws -> WorkflowNodeRun? {
        try await row(id, in: "workflow_nodes", as: WorkflowNodeRun.self)
    }

    /// The nested workflow job a node started, if any.
    public func child(ofNode nodeID: Int64) async throws -> WorkflowJob? {
        try await sql.raw("SELECT * FROM workflow_jobs WHERE parent_node_id = \(bind: nodeID)").first(as: WorkflowJob.self)
    }

    /// Writes `node` over its row, but only while the row is in one of `expected` states:
    /// of two processes moving one node on, one wins. False when the row had moved on.
    @discardableResult
    public func save(_ node: WorkflowNodeRun, expecting expected: [WorkflowNodeState]) async throws -> Bool {
        let saved =
            try await sql.raw(
                """
                UPDATE workflow_nodes SET state = \(bind: node.state.rawValue), job_id = \(bind: node.jobID),
                    child_id = \(bind: node.childID), artifacts = \(bind: node.artifacts.map(JSONColumn.encode)),
                    message = \(bind: node.message), started_at = \(bind: node.startedAt?.timeIntervalSince1970),
                    finished_at = \(bind: node.finishedAt?.timeIntervalSince1970),
                    expires_at = \(bind: node.expiresAt?.timeIntervalSince1970), decided_by = \(bind: node.decidedBy),
                    decision = \(bind: node.decision?.rawValue), rerun_limit = \(bind: node.rerunLimit)
                WHERE id = \(bind: node.id) AND state IN (\(binds: expected.map(\.rawValue)))
                RETURNING id
                """
            ).first() != nil
        if saved { await store.announce(.workflows) }
        return saved
    }

    /// Ends a running workflow job; false when it had ended already.
    @discardableResult
    public func end(_ id: Int64, status: JobStatus, error: String? = nil, now: Date = Date()) async throws -> Bool {
        let ended =
            try await sql.raw(
                """
                UPDATE workflow_jobs SET status = \(bind: status.rawValue), error = \(bind: error),
                    finished_at = \(bind: now.timeIntervalSince1970)
                WHERE id = \(bind: id) AND status = \(bind: JobStatus.running.rawValue)
                RETURNING id
                """
            ).first() != nil
        if ended { await store.announce(.workflows) }
        return ended
    }

    /// Flags a running workflow job to stop: nothing more starts, and what runs is
    /// canceled. Returns the job, or nil when there is none.
    public func requestCancel(_ id: Int64) async throws -> WorkflowJob? {
        try await sql.raw(
            "UPDATE workflow_jobs SET cancel_requested = 1 WHERE id = \(bind: id) AND status = \(bind: JobStatus.running.rawValue)"
        ).run()
        await store.announce(.workflows)
        return try await job(id)
    }

    /// Approval nodes waiting for a decision, oldest first, with their workflow jobs.
    public func waitingApprovals() async throws -> [(node: WorkflowNodeRun, job: WorkflowJob)] {
        let nodes = try await sql.raw(
            "SELECT * FROM workflow_nodes WHERE state = \(bind: WorkflowNodeState.waiting.rawValue) ORDER BY id LIMIT 1000"
        ).all(as: WorkflowNodeRun.self)
        var waiting: [(node: WorkflowNodeRun, job: WorkflowJob)] = []
        for node in nodes {
            if let job = try await job(node.workflowJobID) { waiting.append((node, job)) }
        }
        return waiting
    }
}
