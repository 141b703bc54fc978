import Hummingbird

/// A route's handler with its answer already made into a `Response`, so that one call can
/// take the handlers of a collection, whatever type each of them answers with.
struct RouteHandler: Sendable {
    let respond: @Sendable (Request, PlayhouseContext) async throws -> Response

    init<Answer: ResponseGenerator>(_ handler: @escaping @Sendable (Request, PlayhouseContext) async throws -> Answer) {
        respond = { request, context in try await handler(request, context).response(from: request, context: context) }
    }
}

extension RouterGroup<PlayhouseContext> {
    /// Adds the routes of the collection `name` that are given, on this group (the gate of
    /// the least role that may use them): `GET name` lists, `POST name` creates, and
    /// `GET`, `PUT` and `DELETE` on `name/:id` show, replace and delete one record.
    func collection(
        _ name: String, list: RouteHandler? = nil, create: RouteHandler? = nil, show: RouteHandler? = nil,
        update: RouteHandler? = nil, delete: RouteHandler? = nil
    ) {
        let collection = RouterPath(name)
        let record = RouterPath("\(name)/:id")
        if let list { get(collection, use: list.respond) }
        if let create { post(collection, use: create.respond) }
        if let show { get(record, use: show.respond) }
        if let update { put(record, use: update.respond) }
        if let delete { self.delete(record, use: delete.respond) }
    }
}
