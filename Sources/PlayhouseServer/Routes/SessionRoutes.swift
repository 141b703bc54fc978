import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// Signing in and out with a password (`/api/v1/login`, `/api/v1/logout`) and who is
/// signed in (`/api/v1/me`).
struct SessionRoutes: Sendable {
    let dependencies: ServerDependencies
    /// Emptied on sign-out, so the session stops working on the next request.
    let identities: IdentityCache
    let throttle = LoginThrottle()

    static let lifetime: Duration = .seconds(12 * 3600)

    func add(open: RouterGroup<PlayhouseContext>, signedIn: RouterGroup<PlayhouseContext>) {
        open.post("login", use: login)
        open.post("logout", use: logout)
        signedIn.get("me", use: me)
    }

    @Sendable func login(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let body = try await request.decode(as: LoginRequest.self, context: context)
        let (name, password) = (body.name, body.password)
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
        throttle.succeeded(attempt)
        let (token, csrf) = try await dependencies.store.users.createSession(userID: user.id, lifetime: Self.lifetime)
        await dependencies.audit(context, .login, target: "user \(user.name)", actor: user.name)
        let identity = Identity(user: user, access: try await dependencies.store.users.access(for: user), csrfToken: csrf)
        var response = try MeResponse(identity).response(from: request, context: context)
        response.setCookie(
            try Cookie.validated(
                name: SignInMiddleware.cookieName, value: token, maxAge: Int(Self.lifetime.components.seconds), path: "/",
                secure: dependencies.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func logout(_ request: Request, context: PlayhouseContext) async throws -> Response {
        if let token = request.cookies[SignInMiddleware.cookieName]?.value {
            try await dependencies.store.users.deleteSession(token: token)
            identities.clear()
            if context.identity != nil { await dependencies.audit(context, .logout) }
        }
        var response = Response(status: .noContent)
        response.setCookie(
            try Cookie.validated(
                name: SignInMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: dependencies.secureCookies,
                httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func me(_ request: Request, context: PlayhouseContext) async throws -> MeResponse {
        MeResponse(try context.requireUser())
    }
}

/// The signed-in user, and for a browser session the token its pages send back in
/// `X-CSRF-Token`.
struct MeResponse: ResponseEncodable, Sendable {
    var name: String
    var role: String
    var teams: [String]
    var csrfToken: String?

    init(_ identity: Identity) {
        name = identity.user.name
        role = identity.user.role.rawValue
        teams = identity.user.teams
        csrfToken = identity.csrfToken
    }

    enum CodingKeys: String, CodingKey {
        case name, role, teams
        case csrfToken = "csrf_token"
    }
}
