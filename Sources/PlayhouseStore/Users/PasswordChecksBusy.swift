/// More passwords are waiting to be checked than the server takes (a flood of sign-ins):
/// try again in a few seconds.
public struct PasswordChecksBusy: Error, Sendable, CustomStringConvertible {
    /// What to tell the person signing in.
    public var description: String { "too many passwords are being checked at once; try again in a few seconds" }
}
