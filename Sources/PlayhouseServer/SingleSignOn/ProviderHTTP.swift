import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Requests to OpenID Connect providers: discovery, keys, the token and userinfo
/// endpoints. Each has a time limit and a size limit, and every failure says which address
/// failed and how, for the page that tells the person signing in.
enum ProviderHTTP {
    /// Follows no redirect: the client secret and the code go only where the provider's own
    /// discovery document says. Never shut down: it lives as long as the process.
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    static let timeout: TimeAmount = .seconds(10)
    static let maxBytes = 1024 * 1024

    /// GETs `url` and decodes its JSON answer as `T`.
    static func get<T: Decodable>(_ url: String, as type: T.Type, bearer: String? = nil) async throws(SignOnFailure) -> T {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        return try await decode(send(request), from: url, as: T.self)
    }

    /// POSTs `fields` form-encoded to `url` (the token endpoint), with HTTP basic
    /// authentication when given, and decodes the JSON answer as `T`.
    static func postForm<T: Decodable>(
        _ url: String, fields: [(String, String)], basic: (user: String, password: String)?, as type: T.Type
    ) async throws(SignOnFailure) -> T {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let basic {
            // RFC 6749 §2.3.1: each part form-encoded before joining.
            let pair = formEncode(basic.user) + ":" + formEncode(basic.password)
            request.headers.add(name: "Authorization", value: "Basic " + Data(pair.utf8).base64EncodedString())
        }
        request.body = .bytes(ByteBuffer(string: fields.map { formEncode($0.0) + "=" + formEncode($0.1) }.joined(separator: "&")))
        return try await decode(send(request), from: url, as: T.self)
    }

    private static func send(_ request: HTTPClientRequest) async throws(SignOnFailure) -> (HTTPResponseStatus, ByteBuffer) {
        do {
            let response = try await client.execute(request, timeout: timeout)
            return (response.status, try await response.body.collect(upTo: maxBytes))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw SignOnFailure(.providerUnreachable, "\(request.url) did not answer within 10 s")
        } catch is NIOTooManyBytesError {
            throw SignOnFailure(.providerUnreachable, "\(request.url) answered more than 1 MB")
        } catch {
            throw SignOnFailure(.providerUnreachable, "\(request.url) could not be reached: \(error)")
        }
    }

    private static func decode<T: Decodable>(
        _ answer: (HTTPResponseStatus, ByteBuffer), from url: String, as type: T.Type
    ) throws(SignOnFailure) -> T {
        let (status, body) = answer
        guard status == .ok else {
            // The provider's own reason (an OAuth error, at most a line of it), never our request.
            let reason = (try? JSONDecoder().decode(OAuthError.self, from: Data(body.readableBytesView))).map {
                ": \($0.error)" + ($0.errorDescription.map { " (\($0.prefix(200)))" } ?? "")
            }
            throw SignOnFailure(.providerRefused, "\(url) answered \(status.code) \(status.reasonPhrase)\(reason ?? "")")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw SignOnFailure(.providerRefused, "\(url) did not answer the JSON OpenID Connect describes: \(error)")
        }
    }

    /// `application/x-www-form-urlencoded`: everything but unreserved characters escaped.
    static func formEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// RFC 3986's unreserved characters: ASCII only (`CharacterSet.alphanumerics` has every
    /// script's letters).
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private struct OAuthError: Decodable {
        var error: String
        var errorDescription: String?

        enum CodingKeys: String, CodingKey {
            case error
            case errorDescription = "error_description"
        }
    }
}
