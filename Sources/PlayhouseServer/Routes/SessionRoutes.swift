import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// Signing in and out with a password, and for users with two-factor sign-in a code
/// after it (`/api/v1/login`, `/api/v1/login/totp`, `/api/v1/logout`), and who is signed in
/// (`/api/v1/me`).
struct SessionRoutes: Sendable {
    let dependencies: ServerDependencies
    /// Emptied on sign-out, so the session stops working on the next request.
    let identities: IdentityCache
    /// Counts wrong passwords and wrong codes alike: one budget of guesses per name.
    let throttle = LoginThrottle()

    static let lifetime: Duration = .seconds(12 * 3600)
    /// How long the code may take to follow the password.
    static let pendingLifetime: Duration = .seconds(5 * 60)

    func add(open: RouterGroup<PlayhouseContext>, signedIn: RouterGroup<PlayhouseContext>) {
        open.post("login", use: login)
        open.post("login/totp", use: loginWithCode)
        open.post("logout", use: logout)
        signedIn.get("me", use: me)
    }

    @Sendable func login(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let body = try await request.decode(as: LoginRequest.self, context: context)
        let (name, password) = (body.name, body.password)
        guard dependencies.signIn.allowsPassword(for: name) else {
            await dependencies.audit(context, .loginFailed, target: "user \(name)", detail: "local sign-in is off")
            let providers = dependencies.signIn.providers.map(\.settings.label).joined(separator: " or ")
            throw APIError(
                .forbidden, "signing in with a password is turned off here",
                detail: providers.isEmpty ? "ask an admin" : "sign in with \(providers) instead")
        }
        let attempt: LoginThrottle.Attempt
        do {
            attempt = try throttle.admit(name: name, address: context.remoteAddress)
        } catch {
            await dependencies.audit(context, .loginThrottled, target: "user \(name)")
            throw APIError(.tooManyRequests, "too many failed sign-ins", detail: error.advice)
        }
        let found = try await throttle.check(attempt) { try await dependencies.store.users.authenticate(name: name, password: password) }
        guard let user = found else {
            await dependencies.audit(context, .loginFailed, target: "user \(name)")
            throw APIError(.unauthorized, "wrong name or password")
        }
        // While local sign-in is off, the break-glass name signs in only as long as it is an admin's.
        guard dependencies.signIn.localSignIn || user.role == .admin else {
            await dependencies.audit(context, .loginFailed, target: "user \(name)", detail: "break-glass user is not an admin")
            throw APIError(.forbidden, "signing in with a password is turned off here", detail: "the break-glass account must be an admin")
        }
        if try await dependencies.store.users.hasTOTP(userID: user.id) {
            // Not signed in yet: the name's earlier failures keep counting until the code is
            // right, or a right password could buy unlimited guesses at the code.
            throttle.passedFirstStep(attempt)
            let token = try await dependencies.store.users.createPendingSignIn(userID: user.id, lifetime: Self.pendingLifetime)
            let step = SecondStepResponse(token: token, expiresAt: Date().addingTimeInterval(Self.pendingLifetime.inSeconds))
            return try EditedResponse(status: .accepted, response: step).response(from: request, context: context)
        }
        throttle.succeeded(attempt)
        return try await startSession(for: user, request: request, context: context)
    }

    /// A session for `user`, in the cookie of the answer, which says who signed in.
    /// `detail` says how, for the audit log.
    func startSession(for user: User, request: Request, context: PlayhouseContext, detail: String? = nil) async throws -> Response {
        let (cookie, csrf) = try await newSession(for: user)
        await dependencies.audit(context, .login, target: "user \(user.name)", detail: detail, actor: user.name)
        let identity = Identity(user: user, access: try await dependencies.store.users.access(for: user), csrfToken: csrf)
        var response = try await MeResponse.of(identity, dependencies).response(from: request, context: context)
        response.setCookie(cookie)
        return response
    }

    /// A new session for `user` (begun at a provider, with `signOn`): the cookie that
    /// carries it, and its CSRF token.
    func newSession(for user: User, signOn: SessionSignOn? = nil) async throws -> (cookie: Cookie, csrf: String) {
        let (token, csrf) = try await dependencies.store.users.createSession(userID: user.id, lifetime: Self.lifetime, signOn: signOn)
        let cookie = try Cookie.validated(
            name: SignInMiddleware.cookieName, value: token, maxAge: Int(Self.lifetime.components.seconds), path: "/",
            secure: dependencies.secureCookies, httpOnly: true, sameSite: .strict)
        return (cookie, csrf)
    }

    /// Ends the session. One begun at a provider that can end its own session too answers
    /// 200 with the address to send the browser to for that (`end_session_url`).
    @Sendable func logout(_ request: Request, context: PlayhouseContext) async throws -> Response {
        var response = Response(status: .noContent)
        if let token = request.cookies[SignInMiddleware.cookieName]?.value {
            let signOn = try await dependencies.store.users.deleteSession(token: token)
            identities.clear()
            if context.identity != nil { await dependencies.audit(context, .logout) }
            if let signOn, let provider = dependencies.signIn.provider(named: signOn.provider) {
                // A token sealed under another key is only a hint the provider goes without.
                let idToken = signOn.idTokenSealed.flatMap { try? dependencies.secrets.open($0) }.map {
                    String(decoding: $0, as: UTF8.self)
                }
                let back = SingleSignOnRoutes.siteAddress(request, dependencies) + "/login"
                if let address = await provider.endSessionURL(idToken: idToken, postLogoutRedirectURI: back) {
                    response = try EndSessionResponse(endSessionURL: address).response(from: request, context: context)
                }
            }
        }
        response.setCookie(
            try Cookie.validated(
                name: SignInMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: dependencies.secureCookies,
                httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func me(_ request: Request, context: PlayhouseContext) async throws -> MeResponse {
        try await MeResponse.of(try context.requireUser(), dependencies)
    }
}

/// The answer to signing out of a session begun at a provider that ends its own sessions:
/// the browser goes there next, and comes back to the sign-in page.
struct EndSessionResponse: ResponseEncodable, Sendable {
    var endSessionURL: String

    enum CodingKeys: String, CodingKey {
        case endSessionURL = "end_session_url"
    }
}

/// The answer to a right password when a code must follow: the token that
/// `POST /api/v1/login/totp` takes with the code.
struct SecondStepResponse: ResponseEncodable, Sendable {
    var secondFactor = "totp"
    var token: String
    var expiresAt: String

    init(token: String, expiresAt: Date) {
        self.token = token
        self.expiresAt = Timestamp.format(expiresAt)
    }

    enum CodingKeys: String, CodingKey {
        case token
        case secondFactor = "second_factor"
        case expiresAt = "expires_at"
    }
}

/// The signed-in user, for a browser session the token its pages send back in
/// `X-CSRF-Token`, and where they stand with two-factor sign-in.
struct MeResponse: ResponseEncodable, Sendable {
    var name: String
    var role: String
    var teams: [String]
    var csrfToken: String?
    var totpEnabled: Bool
    /// `--require-2fa` applies to the user: they cannot turn TOTP off, and a session of
    /// theirs does nothing else until it is on.
    var totpRequired: Bool
    var recoveryCodesLeft: Int?

    /// What `/me` says of `identity`, with its user's TOTP looked up.
    static func of(_ identity: Identity, _ dependencies: ServerDependencies) async throws -> MeResponse {
        let user = identity.user
        let enabled = try await dependencies.store.users.hasTOTP(userID: user.id)
        return MeResponse(
            name: user.name, role: user.role.rawValue, teams: user.teams, csrfToken: identity.csrfToken, totpEnabled: enabled,
            totpRequired: dependencies.secondFactorRequirement.applies(to: user.role),
            recoveryCodesLeft: enabled ? try await dependencies.store.users.recoveryCodesLeft(userID: user.id) : nil)
    }

    enum CodingKeys: String, CodingKey {
        case name, role, teams
        case csrfToken = "csrf_token"
        case totpEnabled = "totp_enabled"
        case totpRequired = "totp_required"
        case recoveryCodesLeft = "recovery_codes_left"
    }
}
