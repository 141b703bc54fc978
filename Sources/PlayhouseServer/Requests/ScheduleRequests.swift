/// `{"cron": "0 3 * * mon-fri", "timezone": "Europe/Berlin" (default UTC)}`: a new schedule.
struct ScheduleRequest: Decodable {
    var cron: String
    var timezone: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cron, timezone
    }
}

/// `{"cron", "timezone", "enabled"}`, each optional: what changes of a schedule.
struct ScheduleUpdate: Decodable {
    var cron: String?
    var timezone: String?
    var enabled: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case cron, timezone, enabled
    }
}
