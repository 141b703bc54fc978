import HTTPTypes
import PlayhouseCore

/// `{"name", "url", "events": ["started","succeeded","failed","approval"] (default all), "format":
/// "json"|"slack"|"email", "template": id}`: a notification target (whether the template exists is
/// the route's to check; a target of one template's jobs hears of no approvals). An email target's
/// url is `mailto:` with its addresses (``EmailRecipients``); the others' is http(s). An email
/// target is taken whether or not this process has an SMTP server: the processes that send may
/// be started otherwise, and a delivery none of them can send says so in the delivery log.
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
        format =
            try container.decodeChoiceIfPresent(NotificationTarget.Format.self, forKey: .format, expected: "json, slack or email") ?? .json
        url = try container.decode(String.self, forKey: .url)
        if format == .email {
            do throws(ValidationError) {
                _ = try EmailRecipients(mailto: url)
            } catch {
                throw APIError(.badRequest, "url: \(error.message)", detail: "an email target's url is e.g. \(EmailRecipients.example)")
            }
        } else if !url.isHTTPURL {
            let hint = url.lowercased().hasPrefix("mailto:") ? #"; a mailto: url needs "format": "email""# : ""
            throw APIError(.badRequest, "url must be an http:// or https:// URL\(hint)", detail: "got \"\(url)\"")
        }
        let eventNames = try container.decodeIfPresent(NameList.self, forKey: .events)?.names
        let every = NotificationTarget.Event.allCases.map(\.rawValue)
        events = try (eventNames ?? every).map { name in
            guard let event = NotificationTarget.Event(rawValue: name) else {
                throw APIError(.badRequest, "events may be \(every.joined(separator: ", ")); not \"\(name)\"")
            }
            return event
        }
        template = try container.decodeIfPresent(RecordID.self, forKey: .template)?.id
    }
}
