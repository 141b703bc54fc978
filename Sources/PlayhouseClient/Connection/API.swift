import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// The generated client of Playhouse's API, set up for a command: the server's address,
/// the dates as the server writes them, and failures as `ClientFailure`.
enum API {
    /// Ordinary calls give up after this long.
    static let timeout: TimeAmount = .seconds(60)
    /// A stream is reopened (resuming where it was) after this long, so a connection that
    /// died without a word is noticed; the server's heartbeats keep a live one busy.
    static let streamLifetime: TimeAmount = .minutes(2)
    /// A whole log, as a download, may take this long.
    static let downloadLifetime: TimeAmount = .minutes(30)

    /// A client signed in with `settings`' token.
    static func client(_ settings: ClientSettings, lifetime: TimeAmount = timeout) throws -> Client {
        try client(settings.serverURL(), middleware: BearerToken(token: settings.token), lifetime: lifetime)
    }

    /// A client for `url` whose requests pass through `middleware` (nil: anonymous).
    static func client(_ url: URL, middleware: (any ClientMiddleware)?, lifetime: TimeAmount = timeout) -> Client {
        Client(
            serverURL: url,
            configuration: Configuration(dateTranscoder: .iso8601WithFractionalSeconds),
            transport: AsyncHTTPClientTransport(configuration: .init(client: .shared, timeout: lifetime)),
            middlewares: [Refusals()] + (middleware.map { [$0] } ?? []))
    }

    /// Runs `body`, turning the runtime's wrapping of a failure back into the failure, and a
    /// connection that could not be made into words.
    static func call<T>(_ server: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ClientError {
            if let failure = error.underlyingError as? ClientFailure { throw failure }
            throw ClientFailure("could not reach Playhouse at \(server)", detail: "\(error.underlyingError)")
        }
    }
}
