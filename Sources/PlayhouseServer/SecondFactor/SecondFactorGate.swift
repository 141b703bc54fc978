import Hummingbird

/// Holds a session that must set up a second factor first (``Identity/needsSecondFactor``)
/// to setting it up: every route of the API but these answers 403. Pages still load, and
/// send the browser to the account page.
struct SecondFactorGate: RouterMiddleware {
    typealias Context = PlayhouseContext

    /// What such a session may still do: see who it is, set TOTP up, sign out or in again.
    static let allowed: Set<String> = [
        "GET /api/v1/me", "POST /api/v1/me/totp", "POST /api/v1/me/totp/confirm", "POST /api/v1/logout", "POST /api/v1/login",
        "POST /api/v1/login/totp", "GET /api/v1/health", "GET /api/v1/openapi.json",
    ]

    func handle(_ request: Request, context: PlayhouseContext, next: (Request, PlayhouseContext) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard context.identity?.needsSecondFactor == true, path.hasPrefix("/api/") || path == "/metrics",
            !Self.allowed.contains("\(request.method) \(path)")
        else { return try await next(request, context) }
        throw APIError(
            .forbidden, "set up two-factor sign-in first",
            detail: "this server requires it for your account: open /account, add Playhouse to an authenticator app and confirm a code")
    }
}
