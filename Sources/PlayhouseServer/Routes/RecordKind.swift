import Hummingbird
import PlayhouseCore

/// One kind of stored record as the API names it: in its paths under `/api/v1`, in the 404
/// for an id that is not there, and in the audit entries of its changes. Every collection
/// answers these the same way, so they are written here once.
struct RecordKind: Sendable {
    /// How an error or an audit target names one record: `credential`.
    let noun: String
    /// The collection's path under `/api/v1`: `credentials`.
    let collection: String

    static let credential = RecordKind(noun: "credential", collection: "credentials")
    static let inventory = RecordKind(noun: "inventory", collection: "inventories")
    static let template = RecordKind(noun: "template", collection: "templates")
    static let workflow = RecordKind(noun: "workflow", collection: "workflows")
    static let workflowJob = RecordKind(noun: "workflow job", collection: "workflow-jobs")
    static let approval = RecordKind(noun: "approval", collection: "approvals")
    static let schedule = RecordKind(noun: "schedule", collection: "schedules")
    static let notification = RecordKind(noun: "notification", collection: "notifications")
    static let user = RecordKind(noun: "user", collection: "users")
    static let team = RecordKind(noun: "team", collection: "teams")
    static let grant = RecordKind(noun: "grant", collection: "grants")
    static let token = RecordKind(noun: "token", collection: "tokens")

    /// A listing of the collection, under the collection's name: `{"credentials": […]}`.
    func list<Item>(_ items: [Item]) -> ListResponse<Item> { ListResponse(key: collection, items: items) }

    /// The 404 for the record `id`.
    func notFound(_ id: Int64) -> APIError { .notFound("\(noun) \(id)") }

    /// The record the store found for `id`, or the 404 naming it.
    func found<Record>(_ record: Record?, _ id: Int64) throws -> Record {
        guard let record else { throw notFound(id) }
        return record
    }

    /// An audit entry's target: the record's id, and its name when it has one.
    func target(_ id: Int64, _ name: String? = nil) -> String {
        name.map { "\(noun) \(id) \($0)" } ?? "\(noun) \(id)"
    }

    /// The `201 Created` answer for a new record, with the `Location` of the record.
    func created<Body: ResponseEncodable>(_ body: Body, id: Int64) -> EditedResponse<Body> {
        EditedResponse(status: .created, headers: [.location: "/api/v1/\(collection)/\(id)"], response: body)
    }
}

extension ServerDependencies {
    /// `DELETE collection/:id`: `204` and an audit entry naming the id when `remove` deleted
    /// the record, else the 404.
    func delete(
        _ kind: RecordKind, _ context: PlayhouseContext, audit action: AuditAction, remove: (Int64) async throws -> Bool
    ) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard try await remove(id) else { throw kind.notFound(id) }
        await audit(context, action, target: kind.target(id))
        return Response(status: .noContent)
    }
}
