import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseServer
import PlayhouseStore
import PlayhouseTestSupport
import PlayhouseWorker
import Synchronization
import Testing

@testable import playhouse

#if canImport(Glibc)
import Glibc
#endif

/// Sign-in tried the way an attacker would: guesses sent all at once, a stolen token kept
/// after a password change, a request that names another host, a page of another origin,
/// and a sign-in link that leads off the site.
@Suite struct SignInHardeningTests {
    static let login = "/api/v1/login"

    /// Sends `count` requests at once and returns their statuses.
    static func atOnce(_ count: Int, _ send: @escaping @Sendable (Int) async throws -> Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count { group.addTask { try await send(index) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func guessesSentAtOnceAreCountedBeforeTheyAreChecked() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            for index in 0..<40 {
                _ = try await store.users.create(name: "mallory-\(index)", role: .viewer, password: "mallory-password", cost: 4)
            }
            let oneName = try await Self.atOnce(30) { _ in try await Self.signIn(port, "mallory-0", "guess-guess").status }
            #expect(oneName.filter { $0 == 401 }.count <= 5, "at most 5 guesses for one name were checked: \(oneName.sorted())")
            #expect(oneName.allSatisfy { [401, 429].contains($0) }, "\(oneName.sorted())")

            let manyNames = try await Self.atOnce(40) { index in try await Self.signIn(port, "mallory-\(index)", "guess-guess").status }
            let checked = oneName.filter { $0 == 401 }.count + manyNames.filter { $0 == 401 }.count
            #expect(checked <= 20, "at most 20 guesses from one address were checked: \(manyNames.sorted())")

            let right = try await Self.signIn(port, ServerFixture.adminName, ServerFixture.adminPassword)
            #expect(right.status == 429, "the address is throttled, whatever name it tries next")
        }
    }

    @Test func changingOnesOwnPasswordIsThrottledPerUser() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            let pat = try await store.users.create(name: "pat", role: .operator, password: "pat-password", cost: 4)
            let token = try await store.users.createToken(userID: pat.id, name: "t", expiresAt: nil).1
            let auth = ["Authorization": "Bearer \(token)"]
            let guesses = try await Self.atOnce(12) { _ in
                try await RawHTTP.send(
                    port: port, "POST", "/api/v1/me/password", headers: auth,
                    body: #"{"current_password":"guess-guess","new_password":"taken-over"}"#
                ).status
            }
            #expect(guesses.filter { $0 == 403 }.count <= 5, "at most 5 guesses were checked: \(guesses.sorted())")
            #expect(guesses.filter { $0 == 429 }.count >= 7, "\(guesses.sorted())")
            let right = try await RawHTTP.send(
                port: port, "POST", "/api/v1/me/password", headers: auth,
                body: #"{"current_password":"pat-password","new_password":"taken-over"}"#)
            #expect(right.status == 429, "\(right.body)")
            #expect(right.body.contains("too many wrong passwords"), "\(right.body)")
            #expect(try await store.users.authenticate(name: "pat", password: "pat-password") != nil, "the password is unchanged")
        }
    }

    @Test func aLongNameIsRefusedBeforeItIsStored() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            let long = String(repeating: "n", count: 10_000)
            let refused = try await Self.signIn(port, long, "guess-guess")
            #expect(refused.status == 400, "\(refused.status)")
            #expect(refused.body.contains("at most 200 bytes"), "\(refused.body.prefix(300))")
            #expect(!refused.body.contains(long), "the name is not echoed")
            let longest = String(repeating: "n", count: 200)
            let checked = try await Self.signIn(port, longest, "guess-guess")
            #expect(checked.status == 401)
            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            let stored = audit.contains(String(repeating: "n", count: 201))
            #expect(!stored, "the long name is not in the audit log")
            #expect(audit.contains(longest))
        }
    }

    @Test func aPasswordChangeDemotionOrDeletionEndsTheUsersTokensAndSessions() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            let sam = try await store.users.create(name: "sam", role: .operator, password: "sam-password-1", cost: 4)
            func token() async throws -> String { try await store.users.createToken(userID: sam.id, name: "t", expiresAt: nil).1 }
            func status(_ secret: String) async throws -> Int {
                try await RawHTTP.send(port: port, "GET", "/api/v1/me", headers: ["Authorization": "Bearer \(secret)"]).status
            }
            func cookieStatus(_ cookie: String) async throws -> Int {
                try await RawHTTP.send(port: port, "GET", "/api/v1/me", headers: ["Cookie": cookie], signedIn: false).status
            }

            let first = try await token()
            let login = try await Self.signIn(port, "sam", "sam-password-1")
            let cookie = try #require(login.header("Set-Cookie")?.split(separator: ";").first.map(String.init))
            #expect(try await status(first) == 200)
            #expect(try await cookieStatus(cookie) == 200)
            let changed = try await client.json(.put, "/api/v1/users/\(sam.id)", body: #"{"password":"sam-password-2"}"#)
            #expect(changed.status == .ok)
            #expect(try await status(first) == 401, "an admin's password change ends the token")
            #expect(try await cookieStatus(cookie) == 401, "and the session")

            let second = try await token()
            let own = try await RawHTTP.send(
                port: port, "POST", "/api/v1/me/password", headers: ["Authorization": "Bearer \(second)"],
                body: #"{"current_password":"sam-password-2","new_password":"sam-password-3"}"#)
            #expect(own.status == 204, "\(own.body)")
            #expect(try await status(second) == 401, "changing one's own password ends one's tokens")

            let third = try await token()
            #expect(try await client.json(.put, "/api/v1/users/\(sam.id)", body: #"{"role":"admin"}"#).status == .ok)
            #expect(try await status(third) == 200, "a promotion keeps the tokens")
            #expect(try await client.json(.put, "/api/v1/users/\(sam.id)", body: #"{"role":"viewer"}"#).status == .ok)
            #expect(try await status(third) == 401, "a demotion ends them")

            let fourth = try await token()
            #expect(try await status(fourth) == 200)
            #expect(try await client.json(.delete, "/api/v1/users/\(sam.id)").status == .noContent)
            #expect(try await status(fourth) == 401, "a deleted user's token is gone")
            #expect(try await store.users.tokens(userID: sam.id).isEmpty)
        }
    }

    @Test func anOriginMustMatchInSchemeHostAndPort() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            for origin in ["http://127.0.0.1:\(port + 1)", "https://127.0.0.1:\(port)", "http://localhost:\(port)", "null"] {
                let answer = try await Self.signIn(port, ServerFixture.adminName, ServerFixture.adminPassword, headers: ["Origin": origin])
                #expect(answer.status == 403, "\(origin) → \(answer.status)")
                #expect(answer.body.contains("the request comes from another site"), "\(answer.body)")
            }
            let same = try await Self.signIn(
                port, ServerFixture.adminName, ServerFixture.adminPassword, headers: ["Origin": "http://127.0.0.1:\(port)"])
            #expect(same.status == 200, "\(same.body)")
        }
    }

    @Test func aRequestForAHostThisServerDoesNotServeIsRefused() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            for host in ["rebound.example", "rebound.example:\(port)", "127.0.0.1.rebound.example"] {
                for path in ["/api/v1/health", "/api/v1/jobs", "/"] {
                    let answer = try await Self.send(port: port, host: host, "GET", path)
                    #expect(answer.status == 421, "\(host) \(path) → \(answer.status)")
                    #expect(answer.body.contains("does not answer to the host"), "\(answer.body)")
                }
            }
            for host in ["127.0.0.1", "127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST", "[::1]:\(port)"] {
                let answer = try await Self.send(port: port, host: host, "GET", "/api/v1/health")
                #expect(answer.status == 200, "\(host) → \(answer.status) \(answer.body)")
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func theSignInPageGoesBackOnlyToAPageOfThisSite() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            let site = "http://127.0.0.1:\(port)"
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "sign-in-next") {
                    for (next, landing) in [
                        ("/.//example.com", "/"), ("//example.com", "/"), ("/%5Cexample.com", "/"),
                        ("https://example.com/", "/"), ("/audit", "/audit"),
                    ] {
                        try await browser.open("\(site)/login?next=\(next)")
                        try await browser.waitFor("#login-form", timeout: .seconds(30))
                        try await browser.fill("#login-name", with: ServerFixture.adminName)
                        try await browser.fill("#login-password", with: ServerFixture.adminPassword)
                        try await browser.click("#login-submit")
                        try await browser.waitUntil("the sign-in with next=\(next) to land on \(landing)", timeout: .seconds(30)) {
                            try await browser.currentURL() == site + landing
                        }
                    }
                }
            }
        }
    }

    @Test func behindAProxyThePublicURLIsTheSite() async throws {
        let publicURL = try WebOrigin("https://playhouse.example.com")
        try await Self.withPublicServer(publicURL) { client, _ in
            let port = try #require(client.port)
            for (host, status) in [
                ("playhouse.example.com", 200), ("PLAYHOUSE.example.com:443", 200), ("playhouse.example.com:8443", 421),
                ("rebound.example", 421), ("127.0.0.1:\(port)", 200), ("localhost", 200),
            ] {
                let answer = try await Self.send(port: port, host: host, "GET", "/api/v1/health")
                #expect(answer.status == status, "\(host) → \(answer.status) \(answer.body)")
                if status == 421 {
                    let detail = JSONValue.parse(answer.body)?["detail"]
                    #expect(detail == .string("reach Playhouse at https://playhouse.example.com"), "\(answer.body)")
                }
            }
            let body = Self.credentials(ServerFixture.adminName, ServerFixture.adminPassword)
            for (host, origin, status) in [
                ("playhouse.example.com", "https://playhouse.example.com", 200),
                ("127.0.0.1:\(port)", "https://playhouse.example.com", 200),
                ("127.0.0.1:\(port)", "http://127.0.0.1:\(port)", 200),
                ("playhouse.example.com", "http://playhouse.example.com", 403),
                ("playhouse.example.com", "https://playhouse.example.com:8443", 403),
                ("playhouse.example.com", "http://playhouse.example.com:\(port)", 403),
                ("playhouse.example.com", "https://rebound.example", 403),
            ] {
                let answer = try await Self.send(port: port, host: host, "POST", Self.login, headers: ["Origin": origin], body: body)
                #expect(answer.status == status, "Host \(host), Origin \(origin) → \(answer.status) \(answer.body)")
            }
        }
    }

    @Test func notificationsLinkToThePublicURL() async throws {
        let inbox = Inbox()
        let router = Router()
        for path in ["json", "chat"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let buffer = try await request.body.collect(upTo: 1 << 20)
                inbox.put(path, JSONValue.parse(bytes: buffer.readableBytesView) ?? .null)
                return Response(status: .ok)
            }
        }
        try await withPeerServer(router) { peer in
            try await Self.withPublicServer(try WebOrigin("https://playhouse.example.com:8443")) { client, store in
                for (name, format) in [("json", "json"), ("chat", "slack")] {
                    let target = try await client.json(
                        .post, "/api/v1/notifications",
                        body: #"{"name":"\#(name)","url":"http://127.0.0.1:\#(peer)/\#(name)","events":["started"],"format":"\#(format)"}"#)
                    #expect(target.status == .created, "\(target.json.jsonString())")
                }
                let job = try await store.jobs.insert(
                    JobParameters(
                        project: "demo", playbook: "hello.yml",
                        inventory: "inventory/local.ini"))
                #expect(try await store.jobs.claimNext(worker: "by-hand")?.id == job.id, "the job starts, and its start is posted")
                let deadline = ContinuousClock.now + .seconds(30)
                while inbox.body("json") == nil || inbox.body("chat") == nil, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let page = "https://playhouse.example.com:8443/jobs/\(job.id)"
                #expect(inbox.body("json")?["job"]?["url"] == .string(page))
                let text = try #require(inbox.body("chat")?["text"]?.stringValue)
                #expect(text.hasSuffix(" " + page), "\(text)")
            }
        }
    }

    // MARK: Helpers

    static func credentials(_ name: String, _ password: String) -> String {
        JSONValue.object(["name": .string(name), "password": .string(password)]).jsonString()
    }

    /// Signs in over a bare socket, as a browser without a session would.
    static func signIn(_ port: Int, _ name: String, _ password: String, headers: [String: String] = [:]) async throws -> RawHTTP.Response {
        try await RawHTTP.send(port: port, "POST", login, headers: headers, body: credentials(name, password), signedIn: false)
    }

    /// What a notification receiver got, by path.
    final class Inbox: Sendable {
        private let bodies = Mutex<[String: JSONValue]>([:])
        func put(_ path: String, _ body: JSONValue) { bodies.withLock { $0[path] = body } }
        func body(_ path: String) -> JSONValue? { bodies.withLock { $0[path] } }
    }

    /// A server started with `--public-url`, without workers (a test starts a job by hand),
    /// and its client acting as `admin`.
    static func withPublicServer<T: Sendable>(
        _ publicURL: WebOrigin, _ test: @escaping @Sendable (any TestClientProtocol, Store) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await Store.withSQLite(path: try TestPaths.scratch("db") + "/playhouse.sqlite", logger: logger) { store in
            let composition = try Composition.forTests(store: store, logger: logger)
            let app = buildApplication(
                configuration: ServerConfiguration(host: "127.0.0.1", port: 0),
                dependencies: composition.serverDependencies(publicURL: publicURL),
                services: [composition.notifier(publicURL: publicURL)], logger: logger)
            let admin = try await store.users.create(
                name: ServerFixture.adminName, role: .admin, password: ServerFixture.adminPassword, cost: 4)
            let token = try await store.users.createToken(userID: admin.id, name: "tests", expiresAt: nil).1
            return try await app.test(.live) { client in
                try await test(AuthorizedClient(client: client, token: token), store)
            }
        }
    }

    /// One request with exactly the given `Host` header, signed in by nothing but `headers`.
    static func send(
        port: Int, host: String, _ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil
    ) async throws -> (status: Int, body: String) {
        let response = try await RawHTTP.send(port: port, method, path, headers: headers, body: body, signedIn: false, host: host)
        return (response.status, response.body)
    }
}
