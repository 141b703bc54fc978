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

    /// ``get(_:headers:timeout:)`` in the shape the server takes for survey choices.
    public static let fetcher: @Sendable (String, Duration) async throws -> JSONValue = { url, timeout in
        try await get(url, timeout: timeout.inSeconds)
    }

    public static func get(_ url: String, headers: [(String, String)] = [], timeout: Double) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let body: ByteBuffer
        let status: HTTPResponseStatus
        do {
            let response = try await OutboundHTTP.client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
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
