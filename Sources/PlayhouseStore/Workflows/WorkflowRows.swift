import PlayhouseCore

extension Workflow: RowDecodable {
    init(row: Row) throws {
        self.init(
            id: try row["id"], name: try row["name"], definition: try row.json("definition"), createdAt: try row.time("created_at"),
            updatedAt: try row.time("updated_at"))
    }
}

extension WorkflowJob: RowDecodable {
    init(row: Row) throws {
        self.init(
            id: try row["id"], workflowID: try row["workflow_id"], name: try row["name"], source: try row["source"],
            definition: try row.json("definition"), status: try row.value("status"), launchedBy: try row["launched_by"],
            launch: try row.json("launch"), createdAt: try row.time("created_at"), finishedAt: try row.date("finished_at"),
            error: try row["error"], cancelRequested: try row.flag("cancel_requested"), resumeOf: try row["resume_of"],
            parentID: try row["parent_id"], parentNodeID: try row["parent_node_id"], depth: try row["depth"])
    }
}

extension WorkflowNodeRun: RowDecodable {
    init(row: Row) throws {
        let artifacts: String? = try row["artifacts"]
        let decision: String? = try row["decision"]
        self.init(
            id: try row["id"], workflowJobID: try row["workflow_job_id"], node: try row["node"], state: try row.value("state"),
            jobID: try row["job_id"], childID: try row["child_id"],
            artifacts: try artifacts.map { try JSONColumn.decode([String: JSONValue].self, $0) }, message: try row["message"],
            startedAt: try row.date("started_at"), finishedAt: try row.date("finished_at"), expiresAt: try row.date("expires_at"),
            decidedBy: try row["decided_by"], decision: decision.flatMap(ApprovalRule.Decision.init(rawValue:)),
            rerunLimit: try row["rerun_limit"], kept: try row.flag("kept"))
    }
}
