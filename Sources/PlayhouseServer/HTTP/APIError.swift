import Foundation
import Hummingbird
import Logging
import PlayhouseCore
import PlayhouseStore

/// An error the API returns as JSON: `{"error": "...", "detail": "..."}`.
///
/// `error` says what happened in a few words; `detail` what to do about it.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var error: String
    public var detail: String
    /// Seconds to wait before trying again, sent as `Retry-After` (with 429).
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ error: String, detail: String = "") {
        self.status = status
        self.error = error
        self.detail = detail
    }

    public var headers: HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="playhouse""# }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ["error": error, "detail": detail]
        let data = try JSONEncoder.api.encode(body)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// What a refusal of the domain, the store or the API says, in one line; nil for an error
    /// that is no refusal (the database away, a bug), whose text is no message for people.
    static func refusal(_ error: any Error) -> String? {
        switch error {
        case let error as DomainError: error.description
        case let error as ValidationError: error.message
        case let error as StoreError where error.code != .unavailable: error.message
        case let error as APIError: error.summary
        default: nil
        }
    }

    /// The error and its detail in one line: "what happened: what to do".
    var summary: String { detail.isEmpty ? error : "\(error): \(detail)" }

    static let signInRequired = APIError(
        .unauthorized, "sign in first",
        detail:
            "send Authorization: Bearer TOKEN (create one with `playhouse tokens create USER`; "
            + "an expired or revoked token signs in no one), or sign in at /login"
    )

    /// The database cannot be reached (503): the server reconnects by itself.
    static func databaseAway(_ message: String) -> APIError {
        var error = APIError(
            .serviceUnavailable, message,
            detail: "Playhouse reconnects by itself; try again in a few seconds (GET /api/v1/health says when)")
        error.retryAfter = 5
        return error
    }

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, "\(what) not found", detail: "check the id; list them with GET on the collection")
    }

    /// The answer to a refusal of the domain: its kind's status, its words.
    init(_ error: DomainError) {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .invalid: .badRequest
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .unprocessable: .unprocessableContent
            case .upstream: .badGateway
            }
        self.init(status, error.message, detail: error.detail)
    }

    static func invalid(_ error: ValidationError) -> APIError {
        APIError(.badRequest, error.message, detail: "fix the request and send it again")
    }
}

/// Turns every error into the API's JSON error shape, so no route answers with an empty
/// or HTML error, and unexpected failures are logged and answered 500 without internals.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as DomainError {
            throw APIError(error)
        } catch let error as ValidationError {
            throw APIError.invalid(error)
        } catch let error as StoreError {
            switch error.code {
            case .notFound: throw APIError(.notFound, error.message)
            case .conflict: throw APIError(.conflict, error.message, detail: "choose another name")
            case .invalid: throw APIError(.badRequest, error.message)
            case .unavailable: throw APIError.databaseAway(error.message)
            }
        } catch let error as HTTPError {
            switch error.status {
            case .unauthorized:
                throw APIError.signInRequired
            case .notFound:
                throw APIError(.notFound, "no such route: \(request.method) \(request.uri.path)", detail: "see the API in the README")
            case .contentTooLarge:
                throw APIError(
                    .contentTooLarge, "request body too large", detail: "send at most \(ServerConfiguration.maxBodyBytes / 1024) KB")
            case .methodNotAllowed:
                throw APIError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)")
            default:
                throw APIError(error.status, error.body ?? error.status.reasonPhrase)
            }
        } catch  where Store.isUnavailable(error) {
            throw APIError.databaseAway("the database connection was lost")
        } catch  where Store.isUniqueViolation(error) {
            // Two requests made the same name at once; the database let only one through.
            throw APIError(.conflict, "that name was just taken", detail: "choose another name")
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            throw APIError(error.status, error.status.reasonPhrase)
        } catch {
            context.logger.error("request failed: \(error)")
            throw APIError(.internalServerError, "internal error", detail: "the server log has the details")
        }
    }
}
