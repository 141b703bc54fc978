import PlayhouseCore

extension Job: RowDecodable {
    init(row: Row) throws {
        self.init(
            id: try row["id"], status: try row.value("status"),
            // A row whose JSON cannot be read (written by a newer or broken build) still
            // lists, showing what it cannot tell as "?", rather than breaking every list.
            parameters: (try? row.json("parameters")) ?? JobParameters(project: "?", playbook: "?", inventory: "?"),
            createdAt: try row.time("created_at"), startedAt: try row.date("started_at"),
            finishedAt: try row.date("finished_at"), exitCode: try row["exit_code"], error: try row["error"],
            summary: (try? row.json("summary")) ?? JobSummary(), cancelRequested: try row.flag("cancel_requested"),
            worker: try row["worker"], parentID: try row["parent_id"], sliceCount: try row["slice_count"],
            lastSeq: try row["last_seq"], commit: try row["commit_sha"], outputLines: try row["output_lines"],
            environment: try row["environment"], waitingReason: try row["waiting_reason"],
            workerGroups: WorkerGroups.names(stored: try row["worker_groups"]), weight: try row["weight"])
    }
}
