/// A launch, or another rule of the domain, refused: what happened in a few words and what
/// to do about it. The HTTP side answers it with the status of its ``Kind``; the
/// scheduler and the audit log keep its text.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The request itself is wrong (400).
        case invalid
        /// The caller may not do this (403).
        case forbidden
        /// What it names is not there, or not visible to the caller (404).
        case notFound
        /// It cannot happen in the state things are in now (409).
        case conflict
        /// Well formed, but what it leads to (an inventory, a survey's choices) could not
        /// be read (422).
        case unprocessable
        /// A source elsewhere (a URL) did not answer as it should (502).
        case upstream
    }

    public var kind: Kind
    public var message: String
    public var detail: String

    public init(_ kind: Kind, _ message: String, detail: String = "") {
        self.kind = kind
        self.message = message
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? message : "\(message): \(detail)" }
}
