import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@testable import PlayhouseServer

/// Signing in with local sign-in turned off, but for the break-glass admin; what the
/// provider routes answer when the provider is away or unknown; and an admin ending a
/// user's sessions and tokens, or their second factor, at once.
@Suite struct SingleSignOnTests {
    /// A provider nobody answers for: a port with nothing listening.
    static func awayProvider() throws -> OIDCProviderSettings {
        OIDCProviderSettings(
            name: "corp", label: "Corp SSO", issuer: "http://127.0.0.1:\(try Loopback.freePort())", clientID: "playhouse",
            clientSecret: "secret", groups: [.init(group: "ops", role: .operator, teams: [])])
    }

    @Test func withLocalSignInOffOnlyTheBreakGlassAdminUsesAPassword() async throws {
        let policy = SignInPolicy(providers: [try Self.awayProvider()], localSignIn: false, breakGlassAdmin: ServerFixture.adminName)
        try await ServerFixture.with(signIn: policy) { client, store in
            let port = try #require(client.port)
            _ = try await store.users.create(name: "olivia", role: .operator, password: "olivia-password", cost: 4)
            let methods = try #require(
                JSONValue.parse(try await RawHTTP.send(port: port, "GET", "/api/v1/login/methods", signedIn: false).body))
            #expect(methods["password"] == .bool(false))
            #expect(
                methods["providers"]
                    == .array([
                        .object(["name": .string("corp"), "label": .string("Corp SSO"), "login_url": .string("/auth/oidc/corp/login")])
                    ]))

            let local = try await SignInHardeningTests.signIn(port, "olivia", "olivia-password")
            #expect(local.status == 403)
            #expect(JSONValue.parse(local.body)?["error"] == .string("signing in with a password is turned off here"))
            #expect(JSONValue.parse(local.body)?["detail"] == .string("sign in with Corp SSO instead"))
            let breakGlass = try await SignInHardeningTests.signIn(port, ServerFixture.adminName, ServerFixture.adminPassword)
            #expect(breakGlass.status == 200, "\(breakGlass.body)")

            // The break-glass name is no way in once it is no admin's.
            let admin = try #require(try await store.users.named(ServerFixture.adminName))
            _ = try await store.users.create(name: "second-admin", role: .admin, password: "second-admin-password", cost: 4)
            _ = try await store.users.update(admin.id, role: .viewer, password: nil)
            let demoted = try await SignInHardeningTests.signIn(port, ServerFixture.adminName, ServerFixture.adminPassword)
            #expect(demoted.status == 403)
            #expect(JSONValue.parse(demoted.body)?["detail"] == .string("the break-glass account must be an admin"))
        }
    }

    @Test func aProviderAwayOrUnknownIsAPageThatSaysSo() async throws {
        try await ServerFixture.with(signIn: SignInPolicy(providers: [try Self.awayProvider()])) { client, store in
            let port = try #require(client.port)
            let away = try await RawHTTP.send(port: port, "GET", "/auth/oidc/corp/login?next=/jobs", signedIn: false)
            #expect(away.status == 502)
            #expect(away.body.contains("could not be reached"), "\(away.body)")
            #expect(away.header("content-type")?.hasPrefix("text/html") == true)
            let unknown = try await RawHTTP.send(port: port, "GET", "/auth/oidc/nobody/login", signedIn: false)
            #expect(unknown.status == 400)
            #expect(unknown.body.contains("there is no sign-in provider named &quot;nobody&quot; here"), "\(unknown.body)")
            // A callback with nothing begun: refused, and written to the audit log.
            let callback = try await RawHTTP.send(port: port, "GET", "/auth/oidc/corp/callback?state=x&code=y", signedIn: false)
            #expect(callback.status == 400)
            #expect(try await store.users.auditLog(limit: 10).contains { $0.action == .loginFailed && $0.target == "provider corp" })
        }
    }

    @Test func anAdminEndsAUsersSessionsAndTokensOrTheirSecondFactor() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            let user = try await store.users.create(name: "mallory", role: .operator, password: "mallory-password", cost: 4)
            let (_, token) = try await store.users.createToken(userID: user.id, name: "laptop", expiresAt: nil)
            let session = try await SignInHardeningTests.signIn(port, "mallory", "mallory-password")
            #expect(session.status == 200)
            let mine = try await RawHTTP.send(
                port: port, "GET", "/api/v1/me", headers: ["Authorization": "Bearer \(token)"], signedIn: false)
            #expect(mine.status == 200)

            #expect(try await client.json(.post, "/api/v1/users/\(user.id)/revoke").status == .noContent)
            let after = try await RawHTTP.send(
                port: port, "GET", "/api/v1/me", headers: ["Authorization": "Bearer \(token)"], signedIn: false)
            #expect(after.status == 401, "the token is gone at once")
            #expect(try await store.users.tokens(userID: user.id).isEmpty)
            #expect(try await store.users.auditLog(limit: 5).contains { $0.action == .userRevoke && $0.target == "user mallory" })
            #expect(try await client.json(.post, "/api/v1/users/999999/revoke").status == .notFound)

            let none = try await client.json(.delete, "/api/v1/users/\(user.id)/totp")
            #expect(none.status == .notFound)
            #expect(none.json["error"] == .string("mallory has no two-factor sign-in"))
            #expect(try await store.users.beginTOTP(userID: user.id, secret: Data(repeating: 7, count: 20), box: .random()))
            _ = try await store.users.confirmTOTP(userID: user.id, step: 1)
            #expect(try await client.json(.delete, "/api/v1/users/\(user.id)/totp").status == .noContent)
            #expect(try await store.users.hasTOTP(userID: user.id) == false)
        }
    }
}
