import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// Behind a reverse proxy, the client's address comes from `X-Forwarded-For`, but only
/// when the connection is from a proxy named in `--trusted-proxies`.
@Suite struct TrustedProxyTests {
    static let password = "proxy-tests-pw1"

    static func withServer(trusting proxies: String?, _ body: (_ port: Int) async throws -> Void) async throws {
        let scratch = try TestPaths.scratch("proxy")
        let port = try Loopback.freePort()
        let server = try PlayhouseProcess.serve(
            port: port, database: scratch + "/playhouse.sqlite", projects: TestPaths.examples, runs: scratch + "/runs",
            log: scratch + "/serve.log", extra: ["--workers", "0"] + (proxies.map { ["--trusted-proxies", $0] } ?? []),
            environment: ["PLAYHOUSE_ADMIN_PASSWORD": password])
        defer { server.process.terminate() }
        try await server.waitUntilReady()
        try await body(port)
        await server.stop()
    }

    static func login(_ port: Int, name: String, password: String, forwardedFor: String?) async throws -> Int {
        try await RawHTTP.send(
            port: port, "POST", "/api/v1/login", headers: forwardedFor.map { ["X-Forwarded-For": $0] } ?? [:],
            body: #"{"name":"\#(name)","password":"\#(password)"}"#, signedIn: false
        ).status
    }

    /// The source of the newest audit entry of `action`.
    static func lastSource(_ port: Int, action: String) async throws -> String? {
        let page = try await RawHTTP.request(port: port, "GET", "/api/v1/audit?limit=200").json
        guard case .array(let entries)? = page["entries"] else { return nil }
        return entries.first { $0["action"]?.stringValue == action }?["source"]?.stringValue
    }

    @Test func behindATrustedProxyEachClientHasItsOwnAddressAndThrottle() async throws {
        try await Self.withServer(trusting: "127.0.0.1, ::1") { port in
            var statuses: [Int] = []
            for attempt in 1...25 {
                statuses.append(try await Self.login(port, name: "nobody\(attempt)", password: "wrong", forwardedFor: "203.0.113.5"))
            }
            #expect(statuses.contains(429), "one client's failures throttle that client: \(statuses)")
            #expect(try await Self.lastSource(port, action: "login.failed") == "203.0.113.5")

            let other = try await Self.login(port, name: "admin", password: Self.password, forwardedFor: "203.0.113.6")
            #expect(other == 200, "another client behind the same proxy still signs in")
            #expect(try await Self.lastSource(port, action: "login") == "203.0.113.6")

            _ = try await Self.login(port, name: "admin", password: Self.password, forwardedFor: "198.51.100.9, 203.0.113.7, 127.0.0.1")
            #expect(
                try await Self.lastSource(port, action: "login") == "203.0.113.7",
                "the last address no trusted proxy wrote; what the client itself claimed before it is not believed")

            _ = try await Self.login(port, name: "admin", password: Self.password, forwardedFor: "<script>")
            #expect(try await Self.lastSource(port, action: "login") == "127.0.0.1", "a header that holds no address is ignored")
        }
    }

    @Test func withoutTrustedProxiesTheHeaderIsIgnored() async throws {
        try await Self.withServer(trusting: nil) { port in
            _ = try await Self.login(port, name: "admin", password: Self.password, forwardedFor: "203.0.113.8")
            #expect(try await Self.lastSource(port, action: "login") == "127.0.0.1", "a client cannot choose its own address")
        }
        let refused = try PlayhouseProcess.command(["serve", "--trusted-proxies", "proxy.example.com"])
        #expect(refused.status != 0 && refused.output.contains("is not an IP address"), "\(refused.output)")
    }
}
