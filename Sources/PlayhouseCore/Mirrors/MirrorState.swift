public import Foundation

/// What a git project's mirror holds after its last fetch, read from the mirror itself: a
/// run and a refresh report it, and each worker records it in the store for the project's
/// page.
public struct MirrorState: Sendable, Equatable {
    /// The branch (or tag) the project follows.
    public var branch: String
    /// When the last fetch was tried; nil for a mirror that never recorded one.
    public var fetchedAt: Date?
    /// The branch's commit in the mirror; nil when the mirror lacks the branch (or the mirror
    /// could not be made at all).
    public var commit: String?
    /// Why the last fetch failed, secrets masked; nil when it succeeded.
    public var error: String?

    public init(branch: String, fetchedAt: Date?, commit: String?, error: String?) {
        self.branch = branch
        self.fetchedAt = fetchedAt
        self.commit = commit
        self.error = error
    }
}
