import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PlayhouseCore
import PlayhouseRunner
import PlayhouseServer
import PlayhouseStore
import PlayhouseTestSupport

/// A live Playhouse (HTTP server and embedded workers over a fresh SQLite store), as
/// `playhouse serve` builds it, for tests that talk to it over HTTP.
enum ServerFixture {
    static func with<T: Sendable>(
        projects: String = TestPaths.examples, workers: Int = 2, databasePath: String? = nil,
        _ test: @escaping @Sendable (any TestClientProtocol, Store) async throws -> T
    ) async throws -> T {
        let path = try databasePath ?? (TestPaths.scratch("db") + "/playhouse.sqlite")
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await Store.withSQLite(path: path, logger: logger) { store in
            let ansible = AnsibleInstallation(binDirectory: TestPaths.ansibleBin)
            let runs = try TestPaths.scratch("runs")
            let resolver = InventoryResolver(ansible: ansible, runsDirectory: runs)
            let catalog = ProjectCatalog(root: projects)
            let dependencies = ServerDependencies(store: store, catalog: catalog) { inventory, environment, limit in
                try await resolver.resolve(inventory, environment: environment, limit: limit)
            }
            let pool = WorkerPool(
                store: store, catalog: catalog,
                runner: PlaybookRunner(ansible: ansible, runsDirectory: runs, stopGrace: .seconds(2), logger: logger),
                configuration: WorkerPoolConfiguration(name: "test-worker", capacity: workers), logger: logger)
            let app = buildApplication(
                configuration: ServerConfiguration(host: "127.0.0.1", port: 0, heartbeat: .milliseconds(500)),
                dependencies: dependencies, services: [pool], logger: logger)
            return try await app.test(.live) { client in try await test(client, store) }
        }
    }
}

extension TestClientProtocol {
    /// Sends JSON (or raw text) and returns the status, headers and decoded JSON body.
    func json(
        _ method: HTTPRequest.Method, _ uri: String, body: String? = nil, headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: JSONValue) {
        var headers = headers
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        return (response.status, response.headers, JSONValue.parse(text) ?? .string(text))
    }

    func text(_ uri: String, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        let response = try await execute(uri: uri, method: .get, headers: headers)
        return (response.status, response.headers, String(buffer: response.body))
    }

    /// Reads a whole Server-Sent Events stream, until the server closes it.
    func stream(_ uri: String, lastEventID: Int? = nil) async throws -> (status: Int, contentType: String, body: String) {
        guard let port else { throw TestFailure("the live test server has no port") }
        var request = "GET \(uri) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n"
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        let text = try await RawHTTP.exchange(port: port, request: request + "\r\n")
        guard let split = text.range(of: "\r\n\r\n") else { throw TestFailure("no HTTP response: \(text)") }
        let head = text[..<split.lowerBound].split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        let contentType = head.first { $0.lowercased().hasPrefix("content-type:") }
            .map { String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
        return (status, contentType, RawHTTP.dechunk(String(text[split.upperBound...])))
    }

    /// Launches and returns the new job's id (the test fails on anything but 202).
    func launch(_ body: String) async throws -> Int64 {
        let response = try await json(.post, "/api/v1/jobs", body: body)
        guard response.status == .accepted, let id = response.json["id"]?.intValue else {
            throw TestFailure("launch answered \(response.status): \(response.json.jsonString())")
        }
        return Int64(id)
    }

    /// Polls the job until it has ended and returns its JSON.
    func waitForEnd(_ id: Int64, timeout: Duration = .seconds(90)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let job = try await json(.get, "/api/v1/jobs/\(id)").json
            if let status = job["status"]?.stringValue, JobStatus(rawValue: status)?.isFinal == true { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("job \(id) did not end within \(timeout)")
    }

    func waitForStatus(_ id: Int64, _ status: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await json(.get, "/api/v1/jobs/\(id)").json["status"]?.stringValue == status { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("job \(id) never became \(status)")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One parsed Server-Sent Events message.
struct SSEMessage: Equatable {
    var id: Int?
    var event: String
    var data: String

    /// Splits a whole SSE body into messages, skipping comments and the retry hint.
    static func parse(_ text: String) -> [SSEMessage] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: Int? = nil
            var event = "message"
            var data: [String] = []
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
                else if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                else if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            return data.isEmpty ? nil : SSEMessage(id: id, event: event, data: data.joined(separator: "\n"))
        }
    }
}

/// A bare HTTP/1.1 exchange over a socket, on its own thread: it reads until the server
/// closes the connection, the way an SSE client sees a stream end.
enum RawHTTP {
    static func exchange(port: Int, request: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try blockingExchange(port: port, request: request) })
            }
            thread.start()
        }
    }

    /// One request with an optional JSON body; the server closes the connection after it.
    static func request(port: Int, _ method: String, _ path: String, body: String? = nil) async throws -> (status: Int, json: JSONValue) {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        let text = try await exchange(port: port, request: request)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestFailure("no HTTP response: \(text)") }
        let head = text[..<split.lowerBound]
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var payload = String(text[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { payload = dechunk(payload) }
        return (status, JSONValue.parse(payload) ?? .string(payload))
    }

    private static func blockingExchange(port: Int, request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect to port \(port) failed") }
        let bytes = Array(request.utf8)
        guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw TestFailure("send failed") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 { throw TestFailure("recv failed or timed out: errno \(errno)") }
            if count == 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// The payload of a chunked body.
    static func dechunk(_ body: String) -> String {
        var bytes = Array(body.utf8)[...]
        var payload: [UInt8] = []
        while let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")),
              let size = Int(String(decoding: bytes[bytes.startIndex..<lineEnd], as: UTF8.self), radix: 16), size > 0 {
            let start = lineEnd + 2
            payload += bytes[start..<start + size]
            bytes = bytes[(start + size + 2)...]
        }
        return String(decoding: payload, as: UTF8.self)
    }
}
