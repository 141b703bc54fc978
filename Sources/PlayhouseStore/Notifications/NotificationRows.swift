import PlayhouseCore

extension NotificationTarget: RowDecodable {
    init(row: Row) throws {
        let events: String = try row["events"]
        self.init(
            id: try row["id"], name: try row["name"], url: try row["url"],
            events: events.split(separator: ",").compactMap { NotificationTarget.Event(rawValue: String($0)) },
            format: try row.value("format", or: .json), templateID: try row["template_id"],
            createdAt: try row.time("created_at"))
    }
}

extension Delivery: RowDecodable {
    init(row: Row) throws {
        let jobID: Int64 = try row["job_id"]
        let approvalID: Int64 = try row["approval_id"]
        self.init(
            id: try row["id"], targetID: try row["target_id"], jobID: jobID == 0 ? nil : jobID,
            approvalID: approvalID == 0 ? nil : approvalID,
            event: try row.value("event", or: .started), status: try row.value("status", or: .pending),
            attempts: try row["attempts"], nextAttemptAt: try row.time("next_attempt_at"), lastError: try row["last_error"],
            responseStatus: try row["response_status"], createdAt: try row.time("created_at"),
            deliveredAt: try row.date("delivered_at"))
    }
}
