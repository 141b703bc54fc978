import PlayhouseCore

extension NotificationTarget: RowDecodable {
    init(row: Row) throws {
        let events: String = try row["events"]
        let format: String = try row["format"]
        self.init(
            id: try row["id"], name: try row["name"], url: try row["url"],
            events: events.split(separator: ",").compactMap { NotificationTarget.Event(rawValue: String($0)) },
            format: NotificationTarget.Format(rawValue: format) ?? .json, templateID: try row["template_id"],
            createdAt: try row.time("created_at"))
    }
}

extension Delivery: RowDecodable {
    init(row: Row) throws {
        let event: String = try row["event"]
        let status: String = try row["status"]
        self.init(
            id: try row["id"], targetID: try row["target_id"], jobID: try row["job_id"],
            event: NotificationTarget.Event(rawValue: event) ?? .started, status: Delivery.Status(rawValue: status) ?? .pending,
            attempts: try row["attempts"], nextAttemptAt: try row.time("next_attempt_at"), lastError: try row["last_error"],
            responseStatus: try row["response_status"], createdAt: try row.time("created_at"),
            deliveredAt: try row.date("delivered_at"))
    }
}
