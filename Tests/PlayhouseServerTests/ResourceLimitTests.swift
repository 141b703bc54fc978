import Foundation
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseServer
import PlayhouseStore
import PlayhouseTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Slow work (inventory resolutions, git listings, survey URL lookups) and live streams are
/// bounded per user and in all: what goes over a limit is a 429 with `Retry-After` at once,
/// and every place is given back, also when the work fails or the client goes away.
///
/// The slow work waits at a ``Gate`` the test opens, so which requests run at the same time
/// is decided by the test, not by the machine's speed.
@Suite struct ResourceLimitTests {
    static let files = [
        "ok.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.debug: { msg: ok }
        """,
        // Runs until the file `release` names exists, so a stream of it stays open.
        "wait.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.wait_for: { path: "{{ release }}", timeout: 120, sleep: 0.2 }
        """,
        "hosts.ini": TestPaths.localInventory(["a"]),
    ]

    /// Runs `body` with a live server over project `p` with `limits`, and the
    /// `Authorization` headers of two operators, olive and bob, granted everything.
    func withOperators(
        _ limits: ResourceLimits,
        _ body: @escaping @Sendable (_ port: Int, _ olive: [String: String], _ bob: [String: String]) async throws -> Void
    ) async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        try await ServerFixture.with(projects: projects, limits: limits) { client, store in
            let port = try #require(client.port)
            var headers: [[String: String]] = []
            for name in ["olive", "bob"] {
                let user = try await store.users.create(name: name, role: .operator, password: "\(name)-password", cost: 4)
                let token = try await store.users.createToken(userID: user.id, name: "t", expiresAt: nil).1
                _ = try await store.users.createGrant(subjectKind: .user, subject: name, resourceKind: .project, resource: "*")
                _ = try await store.users.createGrant(subjectKind: .user, subject: name, resourceKind: .inventory, resource: "*")
                headers.append(["Authorization": "Bearer \(token)"])
            }
            try await body(port, headers[0], headers[1])
        }
    }

    /// Stores a script inventory (as the admin) that waits at `gate`, then answers hosts
    /// `a` and `b` in group `web`, or fails; returns its id.
    func gatedInventory(_ port: Int, _ gate: Gate, fails: Bool = false) async throws -> Int {
        let answer =
            fails
            ? "echo 'cmdb down' >&2; exit 1"
            : #"printf '{"web":{"hosts":["a","b"]},"#
                + #""_meta":{"hostvars":{"a":{"ansible_connection":"local"},"b":{"ansible_connection":"local"}}}}'"#
        let script = """
            #!/bin/sh
            if [ "$1" != "--list" ]; then echo '{}'; exit 0; fi
            : > "\(gate.path)/started.$$"
            while [ ! -e "\(gate.path)/open" ]; do sleep 0.05; done
            \(answer)
            """
        let body = JSONValue.object(["name": .string("gated-\(UUID())"), "kind": .string("script"), "content": .string(script)])
        let created = try await RawHTTP.request(port: port, "POST", "/api/v1/inventories", body: body.jsonString())
        return try #require(created.json["id"]?.intValue, "\(created.json.jsonString())")
    }

    /// Checks a refusal: 429, `Retry-After`, and a message saying what happened and what to do.
    func expectRefused(
        _ response: RawHTTP.Response, _ error: String, retryAfter: String = "5", sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == 429, "\(response.status): \(response.body)", sourceLocation: sourceLocation)
        #expect(response.header("Retry-After") == retryAfter, "\(response.headers)", sourceLocation: sourceLocation)
        let json = JSONValue.parse(response.body)
        #expect(json?["error"]?.stringValue?.contains(error) == true, "\(response.body)", sourceLocation: sourceLocation)
        #expect(json?["detail"]?.stringValue?.contains("try again") == true, "\(response.body)", sourceLocation: sourceLocation)
    }

    @Test func aUsersResolutionsOverTheLimitAre429WhileAnotherUserGetsThrough() async throws {
        try await withOperators(ResourceLimits()) { port, olive, bob in
            let gate = try Gate()
            let id = try await gatedInventory(port, gate)
            let answers = Answers()
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { gate.open() }
                for _ in 0..<4 { answers.send(in: &group, "olive", port: port, "GET", "/api/v1/inventories/\(id)/hosts", headers: olive) }
                // Two wait at the gate; the others are answered at once.
                try await gate.waitForStarted(2)
                try await eventually("two of olive's four requests are answered") { answers.count == 2 }
                for refused in answers.responses(of: "olive") {
                    expectRefused(refused, "too many inventory resolutions at once for one user")
                    #expect(refused.body.contains("you have 2 running"))
                    #expect(refused.body.contains("--inventory-resolutions-per-user"))
                }
                answers.send(in: &group, "bob", port: port, "GET", "/api/v1/inventories/\(id)/hosts", headers: bob)
                try await gate.waitForStarted(3)
                gate.open()
                try await group.waitForAll()
            }
            #expect(answers.responses(of: "olive").map(\.status).sorted() == [200, 200, 429, 429])
            let bobs = answers.responses(of: "bob")
            #expect(bobs.map(\.status) == [200])
            #expect(JSONValue.parse(bobs.first?.body ?? "")?["web"]?["hosts"] == .array([.string("a"), .string("b")]))
            #expect(gate.started == 3, "a refused request starts no ansible-inventory")
        }
    }

    @Test func resolutionsOverTheLimitInAllAre429() async throws {
        let limits = ResourceLimits(inventoryResolutions: .init(perUser: 2, total: 3))
        try await withOperators(limits) { port, olive, bob in
            let gate = try Gate()
            let id = try await gatedInventory(port, gate)
            let answers = Answers()
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { gate.open() }
                for (who, headers) in [("olive", olive), ("olive", olive), ("bob", bob), ("bob", bob)] {
                    answers.send(in: &group, who, port: port, "GET", "/api/v1/inventories/\(id)/hosts", headers: headers)
                }
                try await gate.waitForStarted(3)
                try await eventually("one request is refused") { answers.count == 1 }
                let refused = try #require(answers.all.first)
                expectRefused(refused, "too many inventory resolutions at once")
                #expect(refused.body.contains("the server is running 3"))
                #expect(refused.body.contains("--inventory-resolutions`"))
                gate.open()
                try await group.waitForAll()
            }
            #expect(answers.all.map(\.status).sorted() == [200, 200, 200, 429])
        }
    }

    @Test func aFailedResolutionGivesItsPlaceBack() async throws {
        let limits = ResourceLimits(inventoryResolutions: .init(perUser: 1, total: 1))
        try await withOperators(limits) { port, olive, _ in
            let gate = try Gate()
            gate.open()
            let broken = try await gatedInventory(port, gate, fails: true)
            let working = try await gatedInventory(port, gate)
            for _ in 0..<2 {
                let failed = try await RawHTTP.send(port: port, "GET", "/api/v1/inventories/\(broken)/hosts", headers: olive)
                #expect(failed.status == 422, "\(failed.status): \(failed.body)")
                #expect(failed.body.contains("cmdb down"))
            }
            let resolved = try await RawHTTP.send(port: port, "GET", "/api/v1/inventories/\(working)/hosts", headers: olive)
            #expect(resolved.status == 200, "\(resolved.status): \(resolved.body)")
        }
    }

    @Test func slicingAndSurveyChoicesFromAnInventoryCountAsResolutions() async throws {
        let limits = ResourceLimits(inventoryResolutions: .init(perUser: 1, total: 8))
        try await withOperators(limits) { port, olive, bob in
            let gate = try Gate()
            let id = try await gatedInventory(port, gate)
            let template = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body: """
                    {"name":"t","project":"p","playbook":"ok.yml","inventory":"\(id)",
                     "survey":[{"variable":"target","question":"Target","type":"choice",\
                    "choices_from":{"inventory":"\(id)","group":"web"}}]}
                    """)
            let templateID = try #require(template.json["id"]?.intValue, "\(template.json.jsonString())")
            let sliced = #"{"project":"p","playbook":"ok.yml","inventory":"\#(id)","slices":2}"#
            let answers = Answers()
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { gate.open() }
                answers.send(in: &group, "olive", port: port, "GET", "/api/v1/inventories/\(id)/hosts", headers: olive)
                try await gate.waitForStarted(1)
                expectRefused(
                    try await RawHTTP.send(port: port, "POST", "/api/v1/jobs", headers: olive, body: sliced),
                    "too many inventory resolutions at once for one user")
                expectRefused(
                    try await RawHTTP.send(port: port, "GET", "/api/v1/templates/\(templateID)/survey", headers: olive),
                    "too many inventory resolutions at once for one user")
                answers.send(in: &group, "bob", port: port, "GET", "/api/v1/templates/\(templateID)/survey", headers: bob)
                try await gate.waitForStarted(2)
                gate.open()
                try await group.waitForAll()
            }
            #expect(answers.responses(of: "olive").map(\.status) == [200])
            let survey = answers.responses(of: "bob").first?.body ?? ""
            guard case .array(let questions)? = JSONValue.parse(survey)?["questions"] else { throw TestFailure("no questions: \(survey)") }
            #expect(questions.first?["choices"] == .array([.string("a"), .string("b")]), "\(survey)")
            let launched = try await RawHTTP.send(port: port, "POST", "/api/v1/jobs", headers: olive, body: sliced)
            #expect(launched.status == 202, "\(launched.status): \(launched.body)")
            let job = try #require(JSONValue.parse(launched.body)?["id"]?.intValue)
            _ = try await waitForEnd(port: port, job)
        }
    }

    @Test func surveyURLLookupsAreLimitedPerUser() async throws {
        let gate = try Gate()
        let lookups = Atomic(0)
        let router = Router()
        router.get("choices") { _, _ -> Response in
            lookups.add(1, ordering: .relaxed)
            try await gate.waitUntilOpen()
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"["x","y"]"#)))
        }
        try await withPeerServer(router) { peer in
            // The held lookup must outlast the steps below on a machine busy with the whole suite.
            let limits = ResourceLimits(surveyLookups: .init(perUser: 1, total: 8), surveyLookupTimeout: .seconds(300))
            try await withOperators(limits) { port, olive, bob in
                let template = try await RawHTTP.request(
                    port: port, "POST", "/api/v1/templates",
                    body: """
                        {"name":"t","project":"p","playbook":"ok.yml","inventory":"hosts.ini",
                         "survey":[{"variable":"pick","question":"Pick","type":"choice",\
                        "choices_from":{"url":"http://127.0.0.1:\(peer)/choices"}}]}
                        """)
                let survey = "/api/v1/templates/\(try #require(template.json["id"]?.intValue, "\(template.json.jsonString())"))/survey"
                let answers = Answers()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    defer { gate.open() }
                    answers.send(in: &group, "olive", port: port, "GET", survey, headers: olive)
                    try await eventually("olive's lookup reaches the URL") { lookups.load(ordering: .relaxed) == 1 }
                    expectRefused(
                        try await RawHTTP.send(port: port, "GET", survey, headers: olive),
                        "too many survey choice lookups at once for one user")
                    answers.send(in: &group, "bob", port: port, "GET", survey, headers: bob)
                    try await eventually("bob's lookup reaches the URL") { lookups.load(ordering: .relaxed) == 2 }
                    gate.open()
                    try await group.waitForAll()
                }
                #expect(answers.all.map(\.status) == [200, 200], "\(answers.all.map(\.body))")
                #expect(answers.all.allSatisfy { $0.body.contains(#"["x","y"]"#) })
            }
        }
    }

    @Test func gitListingsAreLimitedPerUserAndAFailedCloneGivesItsPlaceBack() async throws {
        let gate = try Gate()
        let clones = Atomic(0)
        let router = Router()
        // Where git asks first; a repository that is not there, once the gate opens.
        router.get("repo.git/info/refs") { _, _ -> Response in
            clones.add(1, ordering: .relaxed)
            try await gate.waitUntilOpen()
            return Response(status: .notFound)
        }
        try await withPeerServer(router) { peer in
            let limits = ResourceLimits(gitListings: .init(perUser: 1, total: 8))
            try await withOperators(limits) { port, olive, bob in
                let saved = try await RawHTTP.request(
                    port: port, "POST", "/api/v1/projects", body: #"{"name":"g","url":"http://127.0.0.1:\#(peer)/repo.git"}"#)
                #expect(saved.status == 201, "\(saved.json.jsonString())")
                let listing = "/api/v1/projects/g/playbooks"
                let answers = Answers()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    defer { gate.open() }
                    answers.send(in: &group, "olive", port: port, "GET", listing, headers: olive)
                    try await eventually("olive's clone reaches the server") { clones.load(ordering: .relaxed) == 1 }
                    let refused = try await RawHTTP.send(port: port, "GET", listing, headers: olive)
                    expectRefused(refused, "too many git playbook listings at once for one user")
                    #expect(refused.body.contains("--git-listings-per-user"))
                    // Bob is let in; his fetch waits for the repository's mirror, which olive's holds.
                    answers.send(in: &group, "bob", port: port, "GET", listing, headers: bob)
                    gate.open()
                    try await group.waitForAll()
                }
                #expect(answers.all.map(\.status) == [502, 502], "\(answers.all.map(\.body))")
                #expect(clones.load(ordering: .relaxed) == 2, "each listing asked the server itself")
                let again = try await RawHTTP.send(port: port, "GET", listing, headers: olive)
                #expect(again.status == 502, "the failed clone gave its place back: \(again.status) \(again.body)")
            }
        }
    }

    @Test func streamsOverTheLimitAre429AndAStreamThatEndsOrIsLeftFreesItsPlace() async throws {
        try await withOperators(ResourceLimits(streamsPerUser: 2)) { port, olive, bob in
            let first = try Gate()
            let second = try Gate()
            defer {
                first.open()
                second.open()
            }
            func launchWaiting(on gate: Gate) async throws -> Int {
                let launched = try await RawHTTP.request(
                    port: port, "POST", "/api/v1/jobs",
                    body: #"{"project":"p","playbook":"wait.yml","inventory":"hosts.ini","extra_vars":{"release":"\#(gate.path)/open"}}"#)
                return try #require(launched.json["id"]?.intValue, "\(launched.json.jsonString())")
            }
            let job = try await launchWaiting(on: first)
            let stream = "/api/v1/jobs/\(job)/stream"
            let one = try await HeldStream.open(port: port, stream, headers: olive)
            let two = try await HeldStream.open(port: port, stream, headers: olive)
            #expect(one.status == 200 && two.status == 200, "\(one.status), \(two.status)")
            let refused = try await RawHTTP.send(port: port, "GET", stream, headers: olive)
            expectRefused(refused, "too many live streams at once for one user", retryAfter: "15")
            #expect(refused.body.contains("you have 2 open"))
            #expect(refused.body.contains("--streams-per-user"))
            let bobs = try await HeldStream.open(port: port, stream, headers: bob)
            #expect(bobs.status == 200, "another user's streams are counted apart")

            // A client that goes away is noticed at the next heartbeat, and its place freed.
            one.close()
            var three: HeldStream?
            try await eventually("olive's departed stream frees its place", timeout: .seconds(30)) {
                let attempt = try await HeldStream.open(port: port, stream, headers: olive)
                if attempt.status == 200 { three = attempt } else { attempt.close() }
                return three != nil
            }
            let held = try #require(three)

            // Streams that end (the job has) free their places too.
            first.open()
            for ended in [two, held, bobs] {
                #expect(try await ended.readToEnd().contains("event: end"))
                ended.close()
            }
            let next = "/api/v1/jobs/\(try await launchWaiting(on: second))/stream"
            let again = [
                try await HeldStream.open(port: port, next, headers: olive), try await HeldStream.open(port: port, next, headers: olive),
            ]
            #expect(again.map(\.status) == [200, 200])
            second.open()
            for stream in again {
                #expect(try await stream.readToEnd().contains("event: end"))
                stream.close()
            }
        }
    }
}

/// A folder where gated work marks each start (`started.PID`) and waits until the test
/// opens it (creates `open`).
struct Gate: Sendable {
    let path: String

    init() throws {
        path = try TestPaths.scratch("gate")
    }

    /// How many runs have reached the gate.
    var started: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasPrefix("started.") }.count
    }

    var isOpen: Bool { FileManager.default.fileExists(atPath: path + "/open") }

    func open() {
        _ = FileManager.default.createFile(atPath: path + "/open", contents: nil)
    }

    func waitForStarted(_ count: Int) async throws {
        try await eventually("\(count) runs reach the gate (\(started) did)") { started >= count }
    }

    func waitUntilOpen() async throws {
        while !isOpen { try await Task.sleep(for: .milliseconds(20)) }
    }
}

/// Polls `condition` until it holds, failing after `timeout`.
func eventually(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("not within \(timeout): \(what())") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// The answers to requests sent at the same time, in the order they came.
final class Answers: Sendable {
    private let list = Mutex<[(who: String, response: RawHTTP.Response)]>([])

    /// Sends a request as a task of `group`; its answer joins the list when it comes.
    func send(
        in group: inout ThrowingTaskGroup<Void, any Error>, _ who: String, port: Int, _ method: String, _ path: String,
        headers: [String: String]
    ) {
        group.addTask {
            let response = try await RawHTTP.send(port: port, method, path, headers: headers)
            self.list.withLock { $0.append((who, response)) }
        }
    }

    var count: Int { list.withLock { $0.count } }
    var all: [RawHTTP.Response] { list.withLock { $0.map(\.response) } }

    func responses(of who: String) -> [RawHTTP.Response] {
        list.withLock { $0.filter { $0.who == who }.map(\.response) }
    }
}

/// A live stream kept open over a raw socket, as a browser tab keeps one: its status and
/// headers are read, the rest is left until the test reads it or closes the socket.
final class HeldStream: Sendable {
    let status: Int
    private let socket: Mutex<Int32?>
    private let head: [UInt8]

    private init(socket: Int32, status: Int, head: [UInt8]) {
        self.socket = Mutex(socket)
        self.status = status
        self.head = head
    }

    static func open(port: Int, _ path: String, headers: [String: String]) async throws -> HeldStream {
        try await onThread {
            let fd = try Loopback.connect(port: port, timeout: 60)
            var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: text/event-stream\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            let bytes = Array((request + "\r\n").utf8)
            guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
                Glibc.close(fd)
                throw TestFailure("send to port \(port) failed: errno \(errno)")
            }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while received.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    Glibc.close(fd)
                    throw TestFailure("no answer head from port \(port): errno \(errno)")
                }
                received += buffer[0..<count]
            }
            let statusLine = String(decoding: received.prefix { $0 != 13 }, as: UTF8.self)
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
            return HeldStream(socket: fd, status: status, head: received)
        }
    }

    /// Everything the server sends until it closes the stream (chunk sizes included).
    func readToEnd() async throws -> String {
        guard let fd = socket.withLock({ $0 }) else { throw TestFailure("the stream was closed") }
        let head = head
        return try await Self.onThread {
            var received = head
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count < 0, errno == EINTR { continue }
                if count < 0 { throw TestFailure("recv failed or timed out: errno \(errno)") }
                if count == 0 { break }
                received += buffer[0..<count]
            }
            return String(decoding: received, as: UTF8.self)
        }
    }

    func close() {
        if let fd = socket.withLock({ socket in
            defer { socket = nil }
            return socket
        }) {
            Glibc.close(fd)
        }
    }

    deinit {
        close()
    }

    /// Runs blocking socket calls on a thread of their own, off Swift's cooperative pool.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
