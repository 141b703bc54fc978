import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/notifications`: where job starts and ends are posted, and each target's
/// delivery log (admins).
struct NotificationRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }

    func add(admin: RouterGroup<PlayhouseContext>) {
        admin.get("notifications", use: list)
        admin.post("notifications", use: create)
        admin.delete("notifications/:id", use: delete)
        admin.get("notifications/:id/deliveries", use: deliveries)
    }

    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<NotificationResponse> {
        ListResponse(key: "notifications", items: try await store.notificationTargets().map(NotificationResponse.init))
    }

    /// `{"name", "url", "events": ["started","succeeded","failed"], "format": "json"|"slack", "template": id}`.
    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<NotificationResponse> {
        let members = try await RequestBody.object(request, allowed: ["name", "url", "events", "format", "template"])
        let name = (try RequestBody.string(members, "name", required: true) ?? "").trimmingCharacters(in: .whitespaces)
        guard (1...200).contains(name.count) else { throw APIError(.badRequest, "name must be 1 to 200 characters") }
        let url = try RequestBody.string(members, "url", required: true) ?? ""
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
            throw APIError(.badRequest, "url must be an http:// or https:// URL", detail: "got \"\(url)\"")
        }
        let eventNames = try RequestBody.names(members, "events") ?? NotificationTarget.Event.allCases.map(\.rawValue)
        let events = try eventNames.map { name in
            guard let event = NotificationTarget.Event(rawValue: name) else {
                throw APIError(.badRequest, "events may be \(NotificationTarget.Event.allCases.map(\.rawValue).joined(separator: ", ")); not \"\(name)\"")
            }
            return event
        }
        let formatText = try RequestBody.string(members, "format") ?? "json"
        guard let format = NotificationTarget.Format(rawValue: formatText) else {
            throw APIError(.badRequest, "format must be json or slack", detail: "got \"\(formatText)\"")
        }
        let template = try RequestBody.ids(members, "template", single: true)?.first
        if let template, try await store.template(template) == nil {
            throw APIError(.badRequest, "template \(template) does not exist")
        }
        let target = try await store.createNotificationTarget(name: name, url: url, events: events, format: format, templateID: template)
        await dependencies.audit(context, "notification.create", target: "notification \(target.id) \(name)", detail: url)
        return EditedResponse(status: .created, headers: [.location: "/api/v1/notifications/\(target.id)/deliveries"], response: NotificationResponse(target))
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard try await store.deleteNotificationTarget(id) else { throw APIError.notFound("notification \(id)") }
        await dependencies.audit(context, "notification.delete", target: "notification \(id)")
        return Response(status: .noContent)
    }

    @Sendable func deliveries(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<DeliveryResponse> {
        let id = try JobRoutes.id(context)
        guard try await store.notificationTarget(id) != nil else { throw APIError.notFound("notification \(id)") }
        return ListResponse(key: "deliveries", items: try await store.deliveries(targetID: id).map(DeliveryResponse.init))
    }
}

struct NotificationResponse: ResponseEncodable, Sendable {
    var id: Int64
    var name: String
    var url: String
    var events: [String]
    var format: String
    var template: Int64?

    init(_ target: NotificationTarget) {
        id = target.id
        name = target.name
        url = target.url
        events = target.events.map(\.rawValue)
        format = target.format.rawValue
        template = target.templateID
    }
}

struct DeliveryResponse: Encodable, Sendable {
    var delivery: Delivery

    init(_ delivery: Delivery) {
        self.delivery = delivery
    }

    enum CodingKeys: String, CodingKey {
        case id, event, status, attempts
        case jobID = "job_id"
        case responseStatus = "response_status"
        case lastError = "last_error"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case deliveredAt = "delivered_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(delivery.id, forKey: .id)
        try container.encode(delivery.jobID, forKey: .jobID)
        try container.encode(delivery.event.rawValue, forKey: .event)
        try container.encode(delivery.status.rawValue, forKey: .status)
        try container.encode(delivery.attempts, forKey: .attempts)
        try container.encode(delivery.responseStatus, forKey: .responseStatus)
        try container.encode(delivery.lastError, forKey: .lastError)
        try container.encode(Timestamp.format(delivery.nextAttemptAt), forKey: .nextAttemptAt)
        try container.encode(Timestamp.format(delivery.createdAt), forKey: .createdAt)
        try container.encode(delivery.deliveredAt.map(Timestamp.format), forKey: .deliveredAt)
    }
}
