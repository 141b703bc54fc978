import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id: the one a proxy sent in `X-Request-ID` (printable ASCII, at
/// most 128 characters), or one of Hummingbird's own. It is on every answer, errors too,
/// and in the metadata of every log line the request's logger writes (`hb.request.id`),
/// among them one at debug level per answer: method, path (never the query, which may
/// hold a hook's token), status and time taken.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("X-Request-ID")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let given = request.headers[Self.header], Self.isAcceptable(given) {
            context.logger[metadataKey: "hb.request.id"] = .string(given)
        }
        let id = context.id
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[Self.header] = id
        context.logger.debug(
            "answered",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "ms": .stringConvertible((started.duration(to: .now) / .milliseconds(1)).rounded()),
            ])
        return response
    }

    /// An id worth keeping: it goes into answers and logs as it is.
    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { (0x21...0x7e).contains($0) }
    }
}
