import Hummingbird

/// A person who types or bookmarks a path that is no page gets the page's "not found"
/// view with the navigation, not the API's JSON error; API paths keep their JSON errors.
struct PageNotFoundMiddleware: RouterMiddleware {
    typealias Context = PlayhouseContext
    let pages: Pages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard request.method == .get || request.method == .head, !request.uri.path.hasPrefix("/api/") else { throw error }
            return try pages.notFound()
        }
    }
}
