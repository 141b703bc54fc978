import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PlayhouseCore
import PlayhouseEngine
import PlayhouseServer
import PlayhouseStore
import PlayhouseTestSupport
import PlayhouseWorker

@testable import playhouse

/// A live Playhouse (HTTP server and embedded workers over a fresh SQLite store), as
/// `playhouse serve` builds it, for tests that talk to it over HTTP. The client acts as
/// the user `admin` (an API token on every request, also on raw-socket requests to the
/// port), unless a request names its own `Authorization`.
enum ServerFixture {
    static let adminName = "admin"
    static let adminPassword = "admin-password"

    /// `publicURL`, `smtp` and `requireSecondFactor` are `serve`'s `--public-url`, `--smtp-url`
    /// and its companions, and `--require-2fa`.
    static func with<T: Sendable>(
        projects: String = TestPaths.examples, workers: Int = 2, databasePath: String? = nil, limits: ResourceLimits = ResourceLimits(),
        publicURL: WebOrigin? = nil, smtp: SMTPConfiguration? = nil, requireSecondFactor: SecondFactorRequirement = .none,
        signIn: SignInPolicy = SignInPolicy(),
        _ test: @escaping @Sendable (any TestClientProtocol, Store) async throws -> T
    ) async throws -> T {
        let path = try databasePath ?? (TestPaths.scratch("db") + "/playhouse.sqlite")
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await Store.withSQLite(path: path, logger: logger) { store in
            let composition = try Composition.forTests(store: store, projects: projects, logger: logger)
            let pool = composition.workerPool(name: "test-worker", capacity: workers)
            var dependencies = composition.serverDependencies(publicURL: publicURL, limits: limits)
            dependencies.secondFactorRequirement = requireSecondFactor
            dependencies.signIn = signIn
            let app = buildApplication(
                // Schedules fire when a test ticks them, not when the clock happens to pass a run.
                configuration: ServerConfiguration(
                    host: "127.0.0.1", port: 0, heartbeat: .milliseconds(500), scheduleInterval: .seconds(24 * 3600)),
                dependencies: dependencies,
                services: [pool, composition.queueWatch, composition.notifier(publicURL: publicURL, smtp: smtp)],
                logger: logger)
            // bcrypt's cheapest cost: dozens of fixtures start at once, and the hash is not what they test.
            let admin = try await store.users.create(name: adminName, role: .admin, password: adminPassword, cost: 4)
            let (_, token) = try await store.users.createToken(userID: admin.id, name: "tests", expiresAt: nil)
            return try await app.test(.live) { client in
                if let port = client.port { RawHTTP.authorize(port: port, token: token) }
                return try await test(AuthorizedClient(client: client, token: token), store)
            }
        }
    }
}

/// Sends `Authorization: Bearer TOKEN` with every request that names no other.
struct AuthorizedClient: TestClientProtocol {
    let client: any TestClientProtocol
    let token: String

    var port: Int? { client.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var headers = headers
        if headers[.authorization] == nil { headers[.authorization] = "Bearer \(token)" }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestClientProtocol {
    /// Sends JSON (or raw text) and returns the status, headers and decoded JSON body.
    func json(
        _ method: HTTPRequest.Method, _ uri: String, body: String? = nil, headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: JSONValue) {
        var headers = headers
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let (status, fields, text) = try await exchange(method, uri, headers: headers, body: body)
        return (status, fields, JSONValue.parse(text) ?? .string(text))
    }

    func text(_ uri: String, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        try await exchange(.get, uri, headers: headers, body: nil)
    }

    /// One request over a raw socket to the live server (signed in like every request of
    /// the fixture): it waits as long as the server needs, where the in-process client
    /// gives up after 20 s, which a request can take while the whole suite shares two cores.
    private func exchange(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields, body: String?
    ) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        guard let port else {
            let response = try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            return (response.status, response.headers, String(buffer: response.body))
        }
        var raw: [String: String] = [:]
        for field in headers { raw[field.name.rawName] = field.value }
        if let authorized = self as? AuthorizedClient, headers[.authorization] == nil {
            raw["Authorization"] = "Bearer \(authorized.token)"
        }
        let response = try await RawHTTP.send(port: port, method.rawValue, uri, headers: raw, body: body)
        var fields = HTTPFields()
        for line in response.headers {
            guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon])) else { continue }
            fields.append(HTTPField(name: name, value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return (HTTPResponse.Status(code: response.status), fields, response.body)
    }

    /// Reads a whole Server-Sent Events stream, until the server closes it.
    func stream(_ uri: String, lastEventID: String? = nil) async throws -> (status: Int, contentType: String, body: String) {
        guard let port else { throw TestFailure("the live test server has no port") }
        var headers = ["Accept": "text/event-stream"]
        if let lastEventID { headers["Last-Event-ID"] = lastEventID }
        let response = try await RawHTTP.send(port: port, "GET", uri, headers: headers)
        return (response.status, response.header("Content-Type") ?? "", response.body)
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
    func waitForEnd(_ id: Int64, timeout: Duration = .seconds(180)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let job = try await json(.get, "/api/v1/jobs/\(id)").json
            if let status = job["status"]?.stringValue, JobStatus(rawValue: status)?.isFinal == true { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("job \(id) did not end within \(timeout)")
    }

    func waitForStatus(_ id: Int64, _ status: String, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await json(.get, "/api/v1/jobs/\(id)").json["status"]?.stringValue == status { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("job \(id) never became \(status)")
    }
}

/// Polls a job over raw sockets until it has ended and returns its JSON. Raw sockets wait
/// as long as the server needs, where the in-process client gives up after 20 s: for tests
/// whose requests do slow work (a git clone) on a busy machine.
func waitForEnd(port: Int, _ id: Int, timeout: Duration = .seconds(180)) async throws -> JSONValue {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let job = try await RawHTTP.request(port: port, "GET", "/api/v1/jobs/\(id)").json
        if case .string(let status)? = job["status"], JobStatus(rawValue: status)?.isFinal == true { return job }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw TestFailure("job \(id) did not end within \(timeout)")
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One parsed Server-Sent Events message.
struct SSEMessage: Equatable {
    /// The seq in the message's id (`SEQ` or `SEQ,LINE`).
    var id: Int?
    /// The id as sent.
    var cursor: String?
    var event: String
    var data: String

    /// Splits a whole SSE body into messages, skipping comments and the retry hint.
    static func parse(_ text: String) -> [SSEMessage] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var cursor: String? = nil
            var event = "message"
            var data: [String] = []
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") {
                    cursor = String(line.dropFirst(4))
                } else if line.hasPrefix("event: ") {
                    event = String(line.dropFirst(7))
                } else if line.hasPrefix("data: ") {
                    data.append(String(line.dropFirst(6)))
                }
            }
            let id = cursor.flatMap { Int($0.split(separator: ",", omittingEmptySubsequences: false)[0]) }
            return data.isEmpty ? nil : SSEMessage(id: id, cursor: cursor, event: event, data: data.joined(separator: "\n"))
        }
    }
}

extension Composition {
    /// The services of a test process: the test Ansible, a fresh runs folder and key, and
    /// runs that get two seconds to stop.
    static func forTests(store: Store, projects: String = TestPaths.examples, logger: Logger) throws -> Composition {
        let runner = PlaybookRunner(
            ansible: AnsibleInstallation(binDirectory: TestPaths.ansibleBin), runsDirectory: try TestPaths.scratch("runs"),
            stopGrace: .seconds(2), logger: logger)
        return Composition(
            store: store, catalog: ProjectCatalog(root: projects), secrets: .random(), runner: runner, lease: .seconds(30), logger: logger)
    }
}
