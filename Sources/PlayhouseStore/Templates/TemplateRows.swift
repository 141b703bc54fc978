import PlayhouseCore

extension JobTemplate: RowDecodable {
    init(row: Row) throws {
        self.init(
            id: try row["id"], name: try row["name"], definition: try row.json("definition"),
            createdAt: try row.time("created_at"), updatedAt: try row.time("updated_at"))
    }
}

extension Schedule: RowDecodable {
    init(row: Row) throws {
        let templateID: Int64? = try row["template_id"]
        let workflowID: Int64? = try row["workflow_id"]
        guard let target = templateID.map(LaunchTarget.template) ?? workflowID.map(LaunchTarget.workflow) else {
            throw StoreError(.invalid, "a schedule has neither a template nor a workflow")
        }
        let lastJobID: Int64? = try row["last_job_id"]
        let lastWorkflowJobID: Int64? = try row["last_workflow_job_id"]
        self.init(
            id: try row["id"], target: target, cron: try row["cron"], timeZone: try row["timezone"],
            enabled: try row.flag("enabled"), nextRunAt: try row.date("next_run_at"), lastRunAt: try row.date("last_run_at"),
            lastJobID: lastJobID ?? lastWorkflowJobID, missed: try row["missed"], lastMissedAt: try row.date("last_missed_at"),
            createdBy: try row["created_by"], createdAt: try row.time("created_at"))
    }
}

extension GitProject: RowDecodable {
    init(row: Row) throws {
        self.init(
            name: try row["name"], url: try row["url"], branch: try row["branch"], credentialID: try row["credential_id"],
            knownHosts: try row["known_hosts"], knownHostsConfirmed: try row.flag("known_hosts_confirmed"),
            createdAt: try row.time("created_at"), updatedAt: try row.time("updated_at"))
    }
}
