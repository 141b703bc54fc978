import HTTPTypes
import Hummingbird

/// Headers every answer carries: no MIME sniffing, no framing (clickjacking), no referrer
/// to other sites, and no caching of API answers by shared caches.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = PlayhouseContext

    func handle(_ request: Request, context: PlayhouseContext, next: (Request, PlayhouseContext) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
