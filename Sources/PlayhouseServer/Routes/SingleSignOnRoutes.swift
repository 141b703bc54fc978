import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PlayhouseCore
import PlayhouseStore

/// Signing in through an OpenID Connect provider: `/auth/oidc/{provider}/login` sends the
/// browser there, and `/auth/oidc/{provider}/callback` takes it back, checks what the
/// provider says, brings the user's role and teams in line with their groups, and starts a
/// session. `/api/v1/login/methods` tells the sign-in page which ways there are.
struct SingleSignOnRoutes: Sendable {
    let dependencies: ServerDependencies
    let sessions: SessionRoutes
    /// Emptied when a sign-in changed a user's role or teams: their other sessions and
    /// tokens get the new access on their next request.
    let identities: IdentityCache

    /// How long the provider may take to send the browser back.
    static let attemptLifetime: Duration = .seconds(600)
    /// Holds the sign-in's `state` in the browser that began it. `Lax`: the provider sends
    /// the browser back with a top-level GET from its own site.
    static let stateCookie = "playhouse_sso"

    func add(open router: Router<PlayhouseContext>, api: RouterGroup<PlayhouseContext>) {
        api.get("login/methods", use: methods)
        router.get("auth/oidc/:provider/login", use: begin)
        router.get("auth/oidc/:provider/callback", use: finish)
    }

    @Sendable func methods(_ request: Request, context: PlayhouseContext) async throws -> SignInMethodsResponse {
        SignInMethodsResponse(
            password: dependencies.signIn.localSignIn,
            providers: dependencies.signIn.providers.map {
                .init(name: $0.settings.name, label: $0.settings.label, loginURL: "/auth/oidc/\($0.settings.name)/login")
            })
    }

    @Sendable func begin(_ request: Request, context: PlayhouseContext) async throws -> Response {
        do {
            let provider = try provider(context)
            let next = Self.page(request.uri.queryParameters["next"].map(String.init))
            let attempt: SingleSignOnAttempt
            do {
                attempt = try await dependencies.store.users.beginSingleSignOn(
                    provider: provider.settings.name, next: next, box: dependencies.secrets, lifetime: Self.attemptLifetime)
            } catch is SingleSignOnBusy {
                throw SignOnFailure(
                    .providerUnreachable, "too many sign-ins are on their way through providers right now: try again shortly")
            }
            let address = try await provider.authorizationURL(for: attempt, redirectURI: redirectURI(provider, request))
            var response = Response(status: .found, headers: [.location: address])
            response.setCookie(
                try stateCookie(attempt.state, provider: provider.settings.name, maxAge: Int(Self.attemptLifetime.inSeconds)))
            return response
        } catch let failure as SignOnFailure {
            return try page(failure, request: request, context: context)
        }
    }

    @Sendable func finish(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let provider: OIDCProvider
        do {
            provider = try self.provider(context)
            let query = request.uri.queryParameters
            let state = query["state"].map(String.init) ?? ""
            // The browser that comes back must be the one that left: its cookie holds the state.
            guard !state.isEmpty, let kept = request.cookies[Self.stateCookie]?.value, CSRFMiddleware.equal(kept, state) else {
                throw SignOnFailure(.badRequest, "this sign-in was not started in this browser, or its time ran out: start again")
            }
            guard let attempt = try await dependencies.store.users.finishSingleSignOn(state: state, box: dependencies.secrets),
                attempt.provider == provider.settings.name
            else {
                throw SignOnFailure(.badRequest, "this sign-in has already been used, or its 10 minutes ran out: start again")
            }
            if let error = query["error"] {
                let description = query["error_description"].map { " (\($0.prefix(200)))" } ?? ""
                throw SignOnFailure(.notAllowed, "\(provider.settings.label) did not sign you in: \(error.prefix(100))\(description)")
            }
            guard let code = query["code"].map(String.init), !code.isEmpty else {
                throw SignOnFailure(.providerRefused, "\(provider.settings.label) sent the browser back without a code")
            }
            let account = try await provider.signIn(code: code, attempt: attempt, redirectURI: redirectURI(provider, request))
            let user = try await admit(account, provider: provider.settings, context: context)
            let sealed = try dependencies.secrets.seal(Data(account.idToken.utf8))
            let (cookie, _) = try await sessions.newSession(
                for: user, signOn: SessionSignOn(provider: provider.settings.name, idTokenSealed: sealed))
            await dependencies.audit(
                context, .login, target: "user \(user.name)", detail: "with \(provider.settings.label)", actor: user.name)
            var response = SignOnPage.signedIn(next: attempt.next)
            response.setCookie(cookie)
            response.setCookie(try stateCookie("", provider: provider.settings.name, maxAge: 0))
            return response
        } catch let failure as SignOnFailure {
            let target = context.parameters.get("provider").map { "provider \($0.prefix(32))" }
            await dependencies.audit(context, .loginFailed, target: target, detail: failure.message)
            return try page(failure, request: request, context: context)
        }
    }

    /// The user of the account, made or brought in line with the provider's groups: their
    /// role, and their teams among those the mapping names. Each change is audited.
    private func admit(_ account: SignedOnAccount, provider: OIDCProviderSettings, context: PlayhouseContext) async throws -> User {
        let users = dependencies.store.users
        let (role, teams) = provider.access(for: account.groups)
        let known = try await users.singleSignOnUser(issuer: account.issuer, subject: account.subject)
        guard let role else {
            if let known {
                // Out of every group that gave access: what they were given ends now.
                try await users.revokeAccess(userID: known.id)
                try await sync(known, teams: [], provider: provider, context: context)
                identities.clear()
            }
            throw SignOnFailure(
                .notAllowed,
                "your \(provider.label) account is in none of the groups that give access to Playhouse: ask an admin to add you to one")
        }
        guard var user = known else {
            let user: User
            do {
                user = try await users.createSingleSignOnUser(
                    name: account.name, role: role, provider: provider.name, issuer: account.issuer, subject: account.subject)
            } catch let error as StoreError where error.code == .conflict {
                throw SignOnFailure(
                    .notAllowed,
                    "a Playhouse user named \(account.name) already exists and is not your \(provider.label) account: ask an admin")
            } catch let error as ValidationError {
                throw SignOnFailure(
                    .notAllowed, "your \(provider.label) \(provider.usernameClaim) cannot name a Playhouse user: \(error.message)")
            }
            await dependencies.audit(
                context, .userCreate, target: "user \(user.name)", detail: "first sign-in with \(provider.label); role \(role.rawValue)",
                actor: user.name)
            try await sync(user, teams: teams, provider: provider, context: context)
            return try await users.find(user.id) ?? user
        }
        if user.role != role {
            do {
                user = try await users.update(user.id, role: role, password: nil) ?? user
            } catch let error as StoreError where error.code == .conflict {
                throw SignOnFailure(.notAllowed, "\(error.message): your \(provider.label) groups no longer make you an admin")
            }
            await dependencies.audit(
                context, .userSync, target: "user \(user.name)",
                detail: "role \(known?.role.rawValue ?? "") → \(role.rawValue) from \(provider.label) groups", actor: user.name)
            identities.clear()
        }
        try await sync(user, teams: teams, provider: provider, context: context)
        try await users.touchSingleSignOn(issuer: account.issuer, subject: account.subject)
        return try await users.find(user.id) ?? user
    }

    private func sync(_ user: User, teams: Set<String>, provider: OIDCProviderSettings, context: PlayhouseContext) async throws {
        let (joined, left) = try await dependencies.store.users.syncTeams(userID: user.id, teams: teams, managed: provider.managedTeams)
        for team in joined {
            await dependencies.audit(
                context, .userSync, target: "user \(user.name)", detail: "joined team \(team) from \(provider.label) groups",
                actor: user.name)
        }
        for team in left {
            await dependencies.audit(
                context, .userSync, target: "user \(user.name)", detail: "left team \(team) from \(provider.label) groups", actor: user.name
            )
        }
        if !joined.isEmpty || !left.isEmpty { identities.clear() }
    }

    private func provider(_ context: PlayhouseContext) throws(SignOnFailure) -> OIDCProvider {
        let name = context.parameters.get("provider") ?? ""
        guard let provider = dependencies.signIn.provider(named: name) else {
            throw SignOnFailure(.badRequest, "there is no sign-in provider named \"\(name.prefix(32))\" here")
        }
        return provider
    }

    private func redirectURI(_ provider: OIDCProvider, _ request: Request) -> String {
        Self.siteAddress(request, dependencies) + "/auth/oidc/\(provider.settings.name)/callback"
    }

    private func stateCookie(_ value: String, provider: String, maxAge: Int) throws -> Cookie {
        try Cookie.validated(
            name: Self.stateCookie, value: value, maxAge: maxAge, path: "/auth/oidc/\(provider)/", secure: dependencies.secureCookies,
            httpOnly: true, sameSite: .lax)
    }

    private func page(_ failure: SignOnFailure, request: Request, context: PlayhouseContext) throws -> Response {
        if failure.kind == .providerUnreachable || failure.kind == .providerRefused {
            context.logger.warning("sign-in through a provider failed: \(failure.message)")
        }
        return SignOnPage.failed(failure)
    }

    /// Where people reach this Playhouse: `--public-url`, else the address the request came
    /// to (its `Host` already checked).
    static func siteAddress(_ request: Request, _ dependencies: ServerDependencies) -> String {
        if let site = dependencies.publicURL { return site.description }
        return (dependencies.secureCookies ? "https://" : "http://") + (request.head.authority ?? "127.0.0.1")
    }

    /// A page of this site to go on to: a path, never another site's address (`//host`,
    /// `/\host`), at most 2000 characters; else the front page.
    static func page(_ next: String?) -> String {
        guard let next, next.count <= 2000, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"),
            next.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { return "/" }
        return next
    }
}

/// The ways to sign in, for the sign-in page.
struct SignInMethodsResponse: ResponseEncodable, Sendable {
    struct Provider: Encodable, Sendable {
        var name: String
        var label: String
        var loginURL: String

        enum CodingKeys: String, CodingKey {
            case name, label
            case loginURL = "login_url"
        }
    }

    /// Whether names and passwords are taken (otherwise only the break-glass admin's).
    var password: Bool
    var providers: [Provider]
}
