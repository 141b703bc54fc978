import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Signs every request with an API token.
struct BearerToken: ClientMiddleware {
    var token: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

/// Signs requests with a browser session (its cookie, and the CSRF token state-changing
/// requests need): what `login` holds between signing in and making its API token.
struct SessionCookie: ClientMiddleware {
    var cookie: String
    var csrfToken: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.cookie] = cookie
        request.headerFields[HTTPField.Name("X-CSRF-Token")!] = csrfToken
        return try await next(request, body, baseURL)
    }
}

/// Turns every answer of 400 or more into a `ClientFailure` carrying the server's own
/// `{"error", "detail"}`, so each command handles its successes only.
struct Refusals: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard response.status.code >= 400 else { return (response, responseBody) }
        var bytes = Data()
        if let responseBody { bytes = try await Data(collecting: responseBody, upTo: 64 * 1024) }
        struct Refusal: Decodable {
            var error: String
            var detail: String?
        }
        let status = response.status.code
        if let refusal = try? JSONDecoder().decode(Refusal.self, from: bytes) {
            throw ClientFailure(refusal.error, detail: refusal.detail ?? "", status: status)
        }
        throw ClientFailure("the server answered \(status) \(response.status.reasonPhrase)", status: status)
    }
}
