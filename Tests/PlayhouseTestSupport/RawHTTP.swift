import Foundation
import PlayhouseCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Bare HTTP/1.1 over a loopback socket, on a thread of its own: every request asks the
/// server to close the connection and is read until it does, the way an SSE client sees a
/// stream end. The blocking reads never hold a thread of Swift's cooperative pool.
public enum RawHTTP {
    /// API tokens by port: requests to a port get its token unless they are sent
    /// `signedIn: false` or name their own `Authorization`.
    private static let tokens = Mutex<[Int: String]>([:])

    /// Sends `Authorization: Bearer token` with every request to `port` from now on.
    public static func authorize(port: Int, token: String) {
        tokens.withLock { $0[port] = token }
    }

    /// A whole answer.
    public struct Response: Sendable {
        public var status: Int
        /// The header lines, without the status line.
        public var headers: [String]
        /// The body, de-chunked.
        public var body: String

        /// The value of header `name` (any case), if present.
        public func header(_ name: String) -> String? {
            for line in headers {
                guard let colon = line.firstIndex(of: ":"),
                    line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased()
                else { continue }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
    }

    /// Sends one request and reads the whole answer.
    public static func send(
        port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil, signedIn: Bool = true,
        host: String = "127.0.0.1"
    ) async throws -> Response {
        var headers = headers
        if signedIn, !headers.keys.contains(where: { $0.lowercased() == "authorization" }), let token = tokens.withLock({ $0[port] }) {
            headers["Authorization"] = "Bearer \(token)"
        }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        if let body {
            if !headers.keys.contains(where: { $0.lowercased() == "content-type" }) { request += "Content-Type: application/json\r\n" }
            request += "Content-Length: \(body.utf8.count)\r\n"
        }
        request += "\r\n" + (body ?? "")
        let bytes = Array(request.utf8)
        let received = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try exchange(port: port, request: bytes) }) }.start()
        }
        guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw LoopbackError("no HTTP answer from port \(port): \(String(decoding: received, as: UTF8.self))")
        }
        let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var response = Response(status: status, headers: Array(lines.dropFirst()), body: "")
        var payload = Array(received[end.upperBound...])
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true { payload = dechunk(payload) }
        response.body = String(decoding: payload, as: UTF8.self)
        return response
    }

    /// One request with an optional JSON body, and its answer as JSON.
    public static func request(port: Int, _ method: String, _ path: String, body: String? = nil) async throws -> (
        status: Int, json: JSONValue
    ) {
        let response = try await send(port: port, method, path, body: body)
        return (response.status, JSONValue.parse(response.body) ?? .string(response.body))
    }

    /// The payload of a chunked body (chunk extensions ignored, a cut-off chunk dropped).
    public static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var rest = bytes[...]
        var payload: [UInt8] = []
        while let lineEnd = rest.firstIndex(of: 13),
            let size = Int(
                String(decoding: rest[rest.startIndex..<lineEnd], as: UTF8.self)
                    .split(separator: ";").first.map(String.init) ?? "", radix: 16), size > 0
        {
            let start = lineEnd + 2
            guard start + size <= rest.endIndex else { break }
            payload += rest[start..<start + size]
            rest = rest[min(rest.endIndex, start + size + 2)...]
        }
        return payload
    }

    private static func exchange(port: Int, request: [UInt8]) throws -> [UInt8] {
        let fd = try Loopback.connect(port: port, timeout: 120)
        defer { close(fd) }
        guard Glibc.send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else {
            throw LoopbackError("send to port \(port) failed: errno \(errno)")
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw LoopbackError("recv from port \(port) failed or timed out: errno \(errno)") }
            if count == 0 { break }
            received += buffer[0..<count]
        }
        return received
    }
}
