public import Foundation

/// A user's TOTP as stored: the secret (opened from its seal), whether its first code
/// confirmed it, and the last time step a code was used for.
public struct StoredTOTP: Sendable, Equatable {
    public var secret: Data
    /// False while being set up: the secret was shown, no code has come back yet.
    public var confirmed: Bool
    /// Codes of this step and earlier are refused: each code signs in once.
    public var lastStep: Int64?

    public init(secret: Data, confirmed: Bool, lastStep: Int64?) {
        self.secret = secret
        self.confirmed = confirmed
        self.lastStep = lastStep
    }
}
