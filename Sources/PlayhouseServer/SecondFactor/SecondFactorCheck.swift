import Foundation
import PlayhouseStore

/// Checks what a user sends as their second factor: a six-digit code of their
/// authenticator, or one of their recovery codes. The check that accepts a code uses it
/// up: the authenticator's time step (and every earlier one), or the recovery code.
struct SecondFactorCheck: Sendable {
    let store: Store
    let box: SecretBox

    /// What a code that passed was.
    enum Proof: Equatable {
        case authenticator
        case recoveryCode
    }

    /// What `code` proved for `userID`; nil when it is wrong or was used already.
    func verify(_ code: String, userID: Int64, now: Date = Date()) async throws -> Proof? {
        let typed = code.filter { !$0.isWhitespace }
        guard Self.isAuthenticatorCode(typed) else {
            return try await store.users.useRecoveryCode(userID: userID, code: typed, now: now) ? .recoveryCode : nil
        }
        guard let stored = try await store.users.totp(userID: userID, box: box), stored.confirmed,
            let step = TOTP(secret: stored.secret).step(matching: typed, at: now),
            try await store.users.useTOTPStep(userID: userID, step: step)
        else { return nil }
        return .authenticator
    }

    /// Six digits, as authenticators show them.
    static func isAuthenticatorCode(_ text: String) -> Bool {
        text.count == TOTP.digits && text.allSatisfy { ("0"..."9").contains($0) }
    }
}
