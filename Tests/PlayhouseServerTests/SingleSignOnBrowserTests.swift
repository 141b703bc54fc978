import Foundation
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@testable import PlayhouseServer

/// Signing in through a real OpenID Connect provider (django-oidc-provider on loopback) in
/// headless Chromium, through the provider's own sign-in page: groups mapped to a role and
/// teams, kept in step at every sign-in, signing out at the provider too, its keys rotated,
/// and the ID tokens and callbacks Playhouse must refuse.
@Suite struct SingleSignOnBrowserTests {
    static let users: [OIDCTestProvider.User] = [
        .init(username: "alice", password: "alice-at-corp", email: "alice@corp.example", groups: ["ops", "web-team"]),
        .init(username: "bob", password: "bob-at-corp", email: "bob@corp.example", groups: ["sales"]),
        .init(username: "dave", password: "dave-at-corp", email: "dave@corp.example", groups: ["ops"]),
    ]

    static func settings(issuer: String) -> OIDCProviderSettings {
        OIDCProviderSettings(
            name: "corp", label: "Corp SSO", issuer: issuer, clientID: "playhouse", clientSecret: "corp-client-secret",
            scopes: ["openid", "profile", "email", "groups"], defaultRole: nil,
            groups: [
                .init(group: "ops", role: .operator, teams: ["web"]),
                .init(group: "web-team", role: nil, teams: ["web-readers"]),
                .init(group: "admins", role: .admin, teams: []),
            ])
    }

    @Test(.timeLimit(.minutes(10)))
    func groupsBecomeRoleAndTeamsAtEverySignInAndBadTokensAreRefused() async throws {
        // The server's port is known once it runs: the client's addresses are set then.
        let client = OIDCTestProvider.Client(clientID: "playhouse", clientSecret: "corp-client-secret", redirectURIs: [])
        try await OIDCTestProvider.with(users: Self.users, clients: [client]) { provider in
            let policy = SignInPolicy(providers: [Self.settings(issuer: provider.issuer)])
            try await ServerFixture.with(signIn: policy) { fixture, store in
                let site = "http://127.0.0.1:\(try #require(fixture.port))"
                try await provider.setRedirects(
                    clientID: "playhouse", redirectURIs: ["\(site)/auth/oidc/corp/callback"], postLogoutRedirectURIs: ["\(site)/login"])
                // A local account of the same name as a provider account is never taken over.
                _ = try await store.users.create(name: "dave", role: .viewer, password: "dave-local-password", cost: 4)
                try await withChromeSession { browser in
                    try await withDiagnostics(browser, "single-sign-on") {
                        // First sign-in: the user is made, with the role and teams of their groups.
                        try await Self.signIn(browser, site: site, as: "alice", password: "alice-at-corp", next: "/workers")
                        #expect(try await browser.currentPath() == "/workers")
                        var alice = try #require(try await store.users.named("alice"))
                        #expect(alice.role == .operator)
                        #expect(alice.teams == ["web", "web-readers"])
                        let token = try await provider.requestLog().last { $0["path"] == .string("/token") }
                        #expect(token?["form"]?["code_verifier"] == .bool(true), "PKCE: \(token?.jsonString() ?? "")")
                        #expect(token?["client_auth"] == .string("basic"))
                        let (_, apiToken) = try await store.users.createToken(userID: alice.id, name: "alice-ci", expiresAt: nil)

                        // Signing out ends the provider's session too: the next sign-in asks for the password again.
                        try await Self.signOut(browser)
                        let ended = try await provider.requestLog().last { $0["path"] == .string("/end-session") }
                        #expect(ended?["signed_out"] == .bool(true), "\(ended?.jsonString() ?? "no end-session request")")

                        // A group taken away at the provider takes its team away at the next sign-in.
                        try await provider.setGroups("alice", ["ops"])
                        try await Self.signIn(browser, site: site, as: "alice", password: "alice-at-corp", next: "/")
                        alice = try #require(try await store.users.named("alice"))
                        #expect(alice.teams == ["web"])
                        let audit = try await store.users.auditLog(limit: 100).filter { $0.action == .userSync }.compactMap(\.detail)
                        #expect(audit.contains("joined team web-readers from Corp SSO groups"), "\(audit)")
                        #expect(audit.contains("left team web-readers from Corp SSO groups"), "\(audit)")
                        try await Self.signOut(browser)

                        // The provider's keys rotate: the new key is fetched, the sign-in works.
                        try await provider.rotateKeys()
                        try await Self.signIn(browser, site: site, as: "alice", password: "alice-at-corp", next: "/")
                        try await Self.signOut(browser)

                        // ID tokens Playhouse must not trust.
                        let refusals: [(OIDCTestProvider.IDTokenMode, String)] = [
                            (.tampered, "signature does not verify"), (.expired, "has expired"),
                            (.wrongAudience, "issued for another client"), (.wrongIssuer, "was issued by http://evil.example"),
                        ]
                        for (mode, reason) in refusals {
                            try await provider.setIDTokenMode(mode)
                            let message = try await Self.refusedSignIn(browser, site: site, as: "alice", password: "alice-at-corp")
                            #expect(message.contains(reason), "\(mode): \(message)")
                        }
                        try await provider.setIDTokenMode(.normal)

                        // A callback this browser did not start is refused.
                        try await browser.open("\(site)/auth/oidc/corp/callback?state=forged&code=stolen")
                        let forged = try await browser.text(of: "#sso-error")
                        #expect(forged.contains("not started in this browser"), "\(forged)")

                        // Out of every group that gives access: refused, and their tokens end.
                        try await provider.setGroups("alice", ["sales"])
                        let removed = try await Self.refusedSignIn(browser, site: site, as: "alice", password: "alice-at-corp")
                        #expect(removed.contains("none of the groups"), "\(removed)")
                        #expect(try await store.users.tokenUser(secret: apiToken) == nil, "the API token of a user out of every group ends")
                        #expect(try await store.users.named("alice")?.teams == [])

                        // Never in a group that gives access: no user is made.
                        try await Self.signOutOfProvider(browser, provider: provider)
                        let stranger = try await Self.refusedSignIn(browser, site: site, as: "bob", password: "bob-at-corp")
                        #expect(stranger.contains("none of the groups"), "\(stranger)")
                        #expect(try await store.users.named("bob") == nil)

                        // A provider account named like a local user is refused, and the local user is unchanged.
                        try await Self.signOutOfProvider(browser, provider: provider)
                        let taken = try await Self.refusedSignIn(browser, site: site, as: "dave", password: "dave-at-corp")
                        #expect(taken.contains("already exists"), "\(taken)")
                        #expect(try await store.users.named("dave")?.role == .viewer)
                    }
                }
            }
        }
    }

    /// With local sign-in off, the sign-in page leads with the provider and folds the
    /// password form away for the break-glass admin, who still signs in with it.
    @Test(.timeLimit(.minutes(10)))
    func withLocalSignInOffThePageOffersTheProviderAndFoldsThePasswordAway() async throws {
        let policy = SignInPolicy(
            providers: [Self.settings(issuer: "http://127.0.0.1:\(try Loopback.freePort())")], localSignIn: false,
            breakGlassAdmin: ServerFixture.adminName)
        try await ServerFixture.with(signIn: policy) { fixture, _ in
            let site = "http://127.0.0.1:\(try #require(fixture.port))"
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "break-glass") {
                    try await browser.open("\(site)/login?next=/workers")
                    let button = try await browser.waitFor(#"#login-providers a[data-provider="corp"]"#, timeout: .seconds(30))
                    #expect(try await browser.text(of: button) == "Sign in with Corp SSO")
                    #expect(try await browser.attribute("href", of: button) == "/auth/oidc/corp/login?next=%2Fworkers")
                    #expect(try await browser.isDisplayed(try await browser.find("#login-name")) == false, "folded away")
                    try await browser.click("#login-break-glass summary")
                    try await browser.fill("#login-name", with: ServerFixture.adminName)
                    try await browser.fill("#login-password", with: ServerFixture.adminPassword)
                    try await browser.click("#login-submit")
                    try await browser.waitUntil("the break-glass admin to be signed in", timeout: .seconds(30)) {
                        try await browser.currentPath() == "/workers"
                    }
                    _ = try await browser.waitFor("#session-user", timeout: .seconds(30))
                }
            }
        }
    }

    /// Clicks the provider's button on Playhouse's sign-in page, signs in on the provider's
    /// page when it asks, and waits to be back on `next`, signed in.
    static func signIn(_ browser: WebDriverSession, site: String, as user: String, password: String, next: String) async throws {
        try await startAtProvider(browser, site: site, as: user, password: password, next: next)
        try await browser.waitUntil("the sign-in to come back to \(next)", timeout: .seconds(30)) {
            guard try await browser.currentURL().hasPrefix(site) else { return false }
            return try await browser.currentPath() == next
        }
        _ = try await browser.waitFor("#session-user", timeout: .seconds(30))
        #expect(try await browser.text(of: "#session-user").hasPrefix(user))
    }

    /// A sign-in that Playhouse refuses: the message of its error page.
    static func refusedSignIn(_ browser: WebDriverSession, site: String, as user: String, password: String) async throws -> String {
        try await startAtProvider(browser, site: site, as: user, password: password, next: "/")
        _ = try await browser.waitFor("#sso-error", timeout: .seconds(30))
        return try await browser.text(of: "#sso-error")
    }

    private static func startAtProvider(
        _ browser: WebDriverSession, site: String, as user: String, password: String, next: String
    ) async throws {
        try await browser.open("\(site)/login?next=\(next)")
        try await browser.click(#"#login-providers a[data-provider="corp"]"#, timeout: .seconds(30))
        // The provider asks for the password unless its own session goes on.
        try await browser.waitUntil("the provider's page or the way back", timeout: .seconds(30)) {
            if try await browser.currentURL().hasPrefix(site) { return true }
            return try await !browser.findAll("#id_username").isEmpty
        }
        guard try await !browser.currentURL().hasPrefix(site) else { return }
        try await browser.fill("#id_username", with: user)
        try await browser.fill("#id_password", with: password)
        try await browser.click("#login-submit")
    }

    /// Signs out with the page's button, which goes through the provider's end-session and
    /// back to the sign-in page.
    static func signOut(_ browser: WebDriverSession) async throws {
        try await browser.click("#sign-out", timeout: .seconds(15))
        try await browser.waitUntil("the sign-in page after signing out", timeout: .seconds(30)) {
            guard try await browser.currentPath() == "/login" else { return false }
            return try await !browser.findAll("#login-providers").isEmpty
        }
    }

    /// Ends the provider's session of a user who never got a Playhouse session.
    static func signOutOfProvider(_ browser: WebDriverSession, provider: OIDCTestProvider) async throws {
        try await browser.open(provider.issuer + "/end-session")
        if !(try await browser.findAll("#end-session-allow").isEmpty) { try await browser.click("#end-session-allow") }
        try await browser.waitUntil("the provider to sign out", timeout: .seconds(15)) {
            try await browser.findAll("#end-session-allow").isEmpty
        }
    }
}
