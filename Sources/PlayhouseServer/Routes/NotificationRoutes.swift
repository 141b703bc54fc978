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
        admin.collection("notifications", list: .init(list), create: .init(create), delete: .init(delete))
        admin.get("notifications/:id/deliveries", use: deliveries)
    }

    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<NotificationResponse> {
        RecordKind.notification.list(try await store.notificationTargets.list().map(NotificationResponse.init))
    }

    /// ``NotificationRequest``; the template must exist.
    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<NotificationResponse> {
        let body = try await request.decode(as: NotificationRequest.self, context: context)
        let (name, url, events, format, template) = (body.name, body.url, body.events, body.format, body.template)
        if let template, try await store.templates.find(template) == nil {
            throw APIError(.badRequest, "template \(template) does not exist")
        }
        let target = try await store.notificationTargets.create(name: name, url: url, events: events, format: format, templateID: template)
        await dependencies.audit(context, .notificationCreate, target: RecordKind.notification.target(target.id, name), detail: url)
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/notifications/\(target.id)/deliveries"], response: NotificationResponse(target))
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await dependencies.delete(.notification, context, audit: .notificationDelete, remove: store.notificationTargets.delete)
    }

    @Sendable func deliveries(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<DeliveryResponse> {
        let id = try JobRoutes.id(context)
        _ = try RecordKind.notification.found(try await store.notificationTargets.find(id), id)
        return ListResponse(
            key: "deliveries", items: try await store.notificationTargets.deliveries(targetID: id).map(DeliveryResponse.init))
    }
}

struct NotificationResponse: ResponseEncodable, Sendable {
    var id: Int64
    var name: String
    var url: String
    var events: [String]
    var format: String
    /// Left out, rather than null, when the target hears of every template's jobs.
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
    var id: Int64
    @ExplicitNull var jobID: Int64?
    @ExplicitNull var approvalID: Int64?
    var event: String
    var status: String
    var attempts: Int
    @ExplicitNull var responseStatus: Int?
    @ExplicitNull var lastError: String?
    var nextAttemptAt: String
    var createdAt: String
    @ExplicitNull var deliveredAt: String?

    init(_ delivery: Delivery) {
        id = delivery.id
        jobID = delivery.jobID
        approvalID = delivery.approvalID
        event = delivery.event.rawValue
        status = delivery.status.rawValue
        attempts = delivery.attempts
        responseStatus = delivery.responseStatus
        lastError = delivery.lastError
        nextAttemptAt = Timestamp.format(delivery.nextAttemptAt)
        createdAt = Timestamp.format(delivery.createdAt)
        deliveredAt = delivery.deliveredAt.map(Timestamp.format)
    }

    enum CodingKeys: String, CodingKey {
        case id, event, status, attempts
        case jobID = "job_id"
        case approvalID = "approval_id"
        case responseStatus = "response_status"
        case lastError = "last_error"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case deliveredAt = "delivered_at"
    }
}
