import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PlayhouseCore
import PlayhouseEngine

/// GETs JSON from a URL (HTTP inventories, survey choices), with a timeout and a size
/// limit. Every failure is a ``ValidationError`` that names the URL and what went wrong.
public enum HTTPJSON {
    static let maxBytes = 16 * 1024 * 1024

    /// Follows no redirect: a credential's header must not travel to wherever a source
    /// points (a 3xx is an error naming it). Never shut down: it lives as long as the process.
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// ``get(_:headers:timeout:)`` in the shape the server takes for survey choices.
    public static let fetcher: @Sendable (String, Duration) async throws -> JSONValue = { url, timeout in
        try await get(url, timeout: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
    }

    public static func get(_ url: String, headers: [(String, String)] = [], timeout: Double) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let body: ByteBuffer
        let status: HTTPResponseStatus
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            status = response.status
            body = try await response.body.collect(upTo: maxBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw ValidationError("\(url) did not answer within \(timeout.formatted()) s")
        } catch is NIOTooManyBytesError {
            throw ValidationError("\(url) answered more than \(maxBytes / 1024 / 1024) MB")
        } catch {
            throw ValidationError("\(url) could not be fetched: \(error)")
        }
        guard status == .ok else {
            throw ValidationError("\(url) answered \(status.code) \(status.reasonPhrase)")
        }
        guard let value = JSONValue.parse(bytes: body.readableBytesView) else {
            throw ValidationError("\(url) did not answer JSON")
        }
        return value
    }
}
