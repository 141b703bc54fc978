/// A store failure worth telling the caller about.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, for the caller to answer it (a 404, a 409, …).
    public enum Code: Sendable {
        case notFound
        case conflict
        case invalid
        /// The database cannot be reached now (a 503): try again once it is back.
        case unavailable
    }

    /// What kind of failure.
    public var code: Code
    /// What went wrong, for a person to read.
    public var message: String

    /// A failure of `code`, told by `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
