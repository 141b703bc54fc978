public import PlayhouseCore

/// Whose sign-ins in the browser need a second factor (`serve --require-2fa`). Such a user
/// without one may sign in with their password, but until they set TOTP up every route but
/// setting it up and `/me` answers 403 (``SecondFactorGate``). API tokens are not held to
/// it: a token is what scripts sign in with, made by someone already signed in.
public enum SecondFactorRequirement: String, Sendable, CaseIterable {
    case none
    case admins
    case everyone

    /// Whether a user of `role` must have a second factor.
    public func applies(to role: Role) -> Bool {
        switch self {
        case .none: false
        case .admins: role == .admin
        case .everyone: true
        }
    }
}
