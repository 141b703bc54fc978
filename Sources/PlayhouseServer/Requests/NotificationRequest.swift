import HTTPTypes
import PlayhouseCore

/// `{"name", "url", "events": ["started","succeeded","failed","approval"] (default all), "format":
/// "json"|"slack", "template": id}`: a notification target (whether the template exists is the
/// route's to check; a target of one template's jobs hears of no approvals).
struct NotificationRequest: Decodable {
    var name: String
    var url: String
    var events: [NotificationTarget.Event]
    var format: NotificationTarget.Format
    var template: Int64?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, events, format, template
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeLabel(forKey: .name)
        url = try container.decode(String.self, forKey: .url)
        guard url.isHTTPURL else {
            throw APIError(.badRequest, "url must be an http:// or https:// URL", detail: "got \"\(url)\"")
        }
        let eventNames = try container.decodeIfPresent(NameList.self, forKey: .events)?.names
        let every = NotificationTarget.Event.allCases.map(\.rawValue)
        events = try (eventNames ?? every).map { name in
            guard let event = NotificationTarget.Event(rawValue: name) else {
                throw APIError(.badRequest, "events may be \(every.joined(separator: ", ")); not \"\(name)\"")
            }
            return event
        }
        format = try container.decodeChoiceIfPresent(NotificationTarget.Format.self, forKey: .format, expected: "json or slack") ?? .json
        template = try container.decodeIfPresent(RecordID.self, forKey: .template)?.id
    }
}
