import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// Two-factor sign-in of one's own account: `POST /api/v1/me/totp` starts setting TOTP up
/// (a new secret, as text, as an `otpauth://` URI and as a QR code of it), `POST
/// /api/v1/me/totp/confirm` turns it on with the authenticator's first code and answers
/// the recovery codes, once; `DELETE /api/v1/me/totp` turns it off.
struct SecondFactorRoutes: Sendable {
    let dependencies: ServerDependencies
    /// Emptied when TOTP goes on or off, so a session held to setting it up is let go at once.
    let identities: IdentityCache
    /// Wrong passwords and codes sent to turn TOTP off, counted per user with wrong current
    /// passwords (``UserRoutes``).
    let guesses: LoginThrottle
    var store: Store { dependencies.store }

    func add(signedIn: RouterGroup<PlayhouseContext>) {
        signedIn.post("me/totp", use: begin)
        signedIn.post("me/totp/confirm", use: confirm)
        signedIn.delete("me/totp", use: remove)
    }

    /// A new secret in place of one not yet confirmed; a 409 while TOTP is on.
    @Sendable func begin(_ request: Request, context: PlayhouseContext) async throws -> TOTPSetupResponse {
        let user = try context.requireUser().user
        let secret = TOTP.randomSecret()
        guard try await store.users.beginTOTP(userID: user.id, secret: secret, box: dependencies.secrets) else {
            throw APIError(
                .conflict, "two-factor sign-in is already on",
                detail: "turn it off first (DELETE /api/v1/me/totp) to set up another authenticator")
        }
        let uri = TOTP(secret: secret).uri(account: user.name)
        return TOTPSetupResponse(secret: Base32.encode(secret), uri: uri, qrCode: try QRCode(bytes: Array(uri.utf8)).svg())
    }

    /// `{"code"}`: the authenticator's current code turns TOTP on; the answer holds the
    /// recovery codes, never shown again.
    @Sendable func confirm(_ request: Request, context: PlayhouseContext) async throws -> RecoveryCodesResponse {
        let user = try context.requireUser().user
        let code = try await request.decode(as: TOTPConfirmation.self, context: context).code.filter { !$0.isWhitespace }
        guard let stored = try await store.users.totp(userID: user.id, box: dependencies.secrets), !stored.confirmed else {
            throw APIError(.conflict, "no two-factor setup is waiting", detail: "start one with POST /api/v1/me/totp")
        }
        guard SecondFactorCheck.isAuthenticatorCode(code) else {
            throw APIError(.badRequest, "the code must be \(TOTP.digits) digits", detail: "type the code your authenticator shows")
        }
        guard let step = TOTP(secret: stored.secret).step(matching: code, at: Date()) else {
            throw APIError(
                .badRequest, "that is not the authenticator's current code",
                detail: "type the code it shows now; if it still fails, check that the phone's clock is right")
        }
        guard let codes = try await store.users.confirmTOTP(userID: user.id, step: step) else {
            throw APIError(.conflict, "no two-factor setup is waiting", detail: "start one with POST /api/v1/me/totp")
        }
        identities.clear()
        await dependencies.audit(context, .userTOTPEnable, target: "user \(user.name)")
        return RecoveryCodesResponse(recoveryCodes: codes)
    }

    /// `{"password"}` or `{"code"}`: turns TOTP off (or drops a setup not yet confirmed),
    /// with its recovery codes; refused to a user whom `--require-2fa` holds to it.
    @Sendable func remove(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let user = try context.requireUser().user
        let proof = try await request.decode(as: TOTPRemoval.self, context: context).proof
        if dependencies.secondFactorRequirement.applies(to: user.role) {
            throw APIError(
                .forbidden, "two-factor sign-in is required for your account",
                detail: "an admin can reset it for a lost authenticator with `playhouse users reset-2fa \(user.name)`")
        }
        guard try await store.users.totp(userID: user.id, box: dependencies.secrets) != nil else {
            throw APIError(.conflict, "two-factor sign-in is not on")
        }
        let attempt: LoginThrottle.Attempt
        do {
            attempt = try guesses.admit(name: "user \(user.id)", address: nil)
        } catch {
            await dependencies.audit(context, .userPasswordThrottled, target: "user \(user.name)", detail: "turning two-factor sign-in off")
            throw APIError(.tooManyRequests, "too many wrong passwords or codes", detail: error.advice)
        }
        let proven = try await guesses.check(attempt) {
            switch proof {
            case .password(let password): try await store.users.authenticate(name: user.name, password: password) != nil
            case .code(let code):
                try await SecondFactorCheck(store: store, box: dependencies.secrets).verify(code, userID: user.id) != nil
            }
        }
        guard proven else {
            await dependencies.audit(context, .userTOTPFailed, target: "user \(user.name)")
            throw APIError(.forbidden, "the password or code is wrong")
        }
        guesses.succeeded(attempt)
        _ = try await store.users.removeTOTP(userID: user.id)
        identities.clear()
        await dependencies.audit(context, .userTOTPDisable, target: "user \(user.name)")
        return Response(status: .noContent)
    }
}

/// A new TOTP secret being set up: as text to type in, as the URI, and as a QR code of the
/// URI (an SVG image) for an authenticator app to scan.
struct TOTPSetupResponse: ResponseEncodable, Sendable {
    var secret: String
    var uri: String
    var qrCode: String

    enum CodingKeys: String, CodingKey {
        case secret
        case uri = "otpauth_uri"
        case qrCode = "qr_svg"
    }
}

/// The recovery codes of TOTP just turned on.
struct RecoveryCodesResponse: ResponseEncodable, Sendable {
    var recoveryCodes: [String]

    enum CodingKeys: String, CodingKey {
        case recoveryCodes = "recovery_codes"
    }
}
