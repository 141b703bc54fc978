import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import PlayhouseCore
import PlayhouseStore

/// Finds who sent a request: an API token (`Authorization: Bearer …`) or a session
/// cookie. Requests without either (or with a token that is unknown or has expired) go on
/// without an identity; the role gates turn them away where one is needed.
struct SignInMiddleware: AuthenticatorMiddleware {
    typealias Context = PlayhouseContext
    typealias Identity = PlayhouseServer.Identity

    static let cookieName = "playhouse_session"
    static let healthPath = "/api/v1/health"

    let store: Store
    let cache: IdentityCache
    let requirement: SecondFactorRequirement

    func authenticate(request: Request, context: PlayhouseContext) async throws -> Identity? {
        // Health needs no one, and must answer while the database that knows everyone is away.
        if request.uri.path == Self.healthPath { return nil }
        if let bearer = request.headers.bearer {
            let key = "token:" + bearer.token
            if let known = cache.identity(for: key) { return known }
            // An unknown or expired token signs in no one; the routes that need someone say so.
            guard let user = try await store.users.tokenUser(secret: bearer.token) else { return nil }
            let identity = Identity(user: user, access: try await store.users.access(for: user), csrfToken: nil)
            cache.remember(identity, for: key)
            return identity
        }
        guard let cookie = request.cookies[Self.cookieName]?.value else { return nil }
        let key = "session:" + cookie
        if let known = cache.identity(for: key) { return known }
        guard let (user, csrf, provider) = try await store.users.session(token: cookie) else { return nil }
        var identity = Identity(user: user, access: try await store.users.access(for: user), csrfToken: csrf)
        // A second factor is asked of local accounts: a provider's sign-in has its own.
        if provider == nil, requirement.applies(to: user.role) {
            identity.needsSecondFactor = !(try await store.users.hasTOTP(userID: user.id))
        }
        cache.remember(identity, for: key)
        return identity
    }
}

/// Refuses state-changing requests signed in by cookie unless they carry the session's
/// CSRF token in `X-CSRF-Token` and, when the browser says where they come from, come
/// from this site (the same scheme, host and port: see ``Site``). Requests with an API
/// token are not sent by browsers on their own, so they need neither. Signing in again
/// (either step) needs no token (the sign-in page of a browser that still holds a cookie
/// has none), only the same origin.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = PlayhouseContext

    static let header = HTTPField.Name("X-CSRF-Token")!

    let site: Site

    func handle(_ request: Request, context: PlayhouseContext, next: (Request, PlayhouseContext) async throws -> Response) async throws
        -> Response
    {
        let signingIn = ["/api/v1/login", "/api/v1/login/totp"].contains(request.uri.path)
        // Another site must not sign a browser in as someone else either.
        if signingIn || (context.identity?.csrfToken != nil && ![.get, .head, .options].contains(request.method)),
            let origin = request.headers[.origin],
            !site.allows(origin: origin, host: request.head.authority.flatMap(Site.Host.init), localPort: context.localPort)
        {
            throw APIError(
                .forbidden, "the request comes from another site (\(origin.prefix(200)))", detail: "send it from Playhouse's own pages")
        }
        guard !signingIn, let csrf = context.identity?.csrfToken, ![.get, .head, .options].contains(request.method) else {
            return try await next(request, context)
        }
        guard let sent = request.headers[Self.header], Self.equal(sent, csrf) else {
            throw APIError(.forbidden, "the CSRF token is missing or wrong", detail: "reload the page and try again")
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Sends a browser without a session to the sign-in page, and back here afterwards.
struct PageSignInGate: RouterMiddleware {
    typealias Context = PlayhouseContext

    func handle(_ request: Request, context: PlayhouseContext, next: (Request, PlayhouseContext) async throws -> Response) async throws
        -> Response
    {
        guard context.identity == nil else { return try await next(request, context) }
        let back =
            request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_.~"))) ?? "/"
        return Response(status: .seeOther, headers: [.location: "/login?next=\(back)"])
    }
}

/// Lets through only identities holding `role`: a 401 without one, a 403 with a lower role.
func roleGate(_ role: Role) -> some RouterMiddleware<PlayhouseContext> {
    let what =
        switch role {
        case .viewer: "reading"
        case .operator: "launching and canceling jobs, and refreshing git projects,"
        case .admin: "managing Playhouse (users, credentials, inventories, the audit log)"
        }
    return AuthorizationPolicyMiddleware(
        RolePolicy<Identity>(role),
        deniedError: APIError(.forbidden, "\(what) needs the \(role.rawValue) role", detail: "ask an admin for it"),
        context: PlayhouseContext.self)
}
