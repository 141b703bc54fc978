import Hummingbird
import Synchronization

/// Answers a request whose path is a route but whose method is not with `405 Method Not
/// Allowed` and the `Allow` header RFC 9110 requires, where the router alone answers 404:
/// a client (or the OpenAPI fuzzing) then learns the method is wrong, not the path.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = PlayhouseContext

    /// The methods of every route, filled in once the router has all of them: middlewares
    /// are added before the routes they wrap.
    final class Routes: Sendable {
        private let routes = Mutex<[(path: [String], methods: [String])]>([])

        func record(_ descriptions: [Router<PlayhouseContext>.RouteDescription]) {
            var methods: [String: [String]] = [:]
            for route in descriptions { methods["\(route.path)", default: []].append(route.method.rawValue) }
            let table = methods.map { path, methods in (path.split(separator: "/").map(String.init), methods.sorted()) }
            routes.withLock { $0 = table }
        }

        /// The methods the routes matching `path` answer; a `{parameter}` matches any one
        /// component.
        func methods(for path: String) -> [String] {
            let components = path.split(separator: "/")
            return routes.withLock { routes in
                routes.filter { route in
                    route.path.count == components.count
                        && zip(route.path, components).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
                }.flatMap(\.methods).sorted()
            }
        }
    }

    let routes: Routes

    func handle(_ request: Request, context: PlayhouseContext, next: (Request, PlayhouseContext) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(for: request.uri.path)
            // A route that itself answered 404 (an unknown asset) keeps its answer.
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            var response = try APIError(
                .methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)",
                detail: "use \(allowed.joined(separator: ", "))"
            ).response(from: request, context: context)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }
}
