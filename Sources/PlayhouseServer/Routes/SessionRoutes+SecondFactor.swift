import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

extension SessionRoutes {
    /// `{"token", "code"}`: signs in a user whose password was right
    /// (`POST /api/v1/login` answered 202 with the token), with a code of their
    /// authenticator or one of their recovery codes. Wrong codes count against the name
    /// and address as wrong passwords do; each code signs in once.
    @Sendable func loginWithCode(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let body = try await request.decode(as: CodeSignIn.self, context: context)
        let store = dependencies.store
        let expired = APIError(.unauthorized, "the sign-in has expired", detail: "sign in again with your name and password")
        guard let user = try await store.users.pendingSignIn(token: body.token) else { throw expired }
        let attempt: LoginThrottle.Attempt
        do {
            attempt = try throttle.admit(name: user.name, address: context.remoteAddress)
        } catch {
            await dependencies.audit(context, .loginThrottled, target: "user \(user.name)", detail: "code")
            throw APIError(.tooManyRequests, "too many failed sign-ins", detail: error.advice)
        }
        let check = SecondFactorCheck(store: store, box: dependencies.secrets)
        guard let proof = try await throttle.check(attempt, { try await check.verify(body.code, userID: user.id) }) else {
            await dependencies.audit(context, .loginFailed, target: "user \(user.name)", detail: "wrong code")
            throw APIError(
                .unauthorized, "wrong code", detail: "type the code your authenticator shows now (each code works once), or a recovery code"
            )
        }
        // One session per pending sign-in, whichever of two requests at once gets here first.
        guard try await store.users.finishPendingSignIn(token: body.token) else { throw expired }
        throttle.succeeded(attempt)
        var detail = "with an authenticator code"
        if proof == .recoveryCode {
            let left = try await store.users.recoveryCodesLeft(userID: user.id)
            detail = "with a recovery code (\(left) left)"
        }
        return try await startSession(for: user, request: request, context: context, detail: detail)
    }
}
