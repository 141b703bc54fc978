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
        self.init(
            id: try row["id"], templateID: try row["template_id"], cron: try row["cron"], timeZone: try row["timezone"],
            enabled: try row.flag("enabled"), nextRunAt: try row.date("next_run_at"), lastRunAt: try row.date("last_run_at"),
            lastJobID: try row["last_job_id"], missed: try row["missed"], lastMissedAt: try row.date("last_missed_at"),
            createdBy: try row["created_by"], createdAt: try row.time("created_at"))
    }
}

extension GitProject: RowDecodable {
    init(row: Row) throws {
        self.init(
            name: try row["name"], url: try row["url"], branch: try row["branch"], credentialID: try row["credential_id"],
            createdAt: try row.time("created_at"), updatedAt: try row.time("updated_at"))
    }
}
