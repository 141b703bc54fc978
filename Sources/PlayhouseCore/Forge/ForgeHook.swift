public import Foundation

/// A template's forge hook: the URLs a GitHub, Gitea, Forgejo or GitLab repository posts
/// its pushes to, with the secret the forge signs them with, and which pushes launch.
public struct ForgeHook: Sendable, Equatable {
    public var templateID: Int64
    /// The secret, sealed with the server's key: checking a GitHub signature (an HMAC)
    /// needs the secret itself, so it cannot be stored as a hash like a trigger token.
    public var sealedSecret: String
    public var filter: ForgeFilter
    /// The admin who made it: its jobs are launched as them.
    public var createdBy: String
    public var createdAt: Date

    public init(templateID: Int64, sealedSecret: String, filter: ForgeFilter, createdBy: String, createdAt: Date) {
        self.templateID = templateID
        self.sealedSecret = sealedSecret
        self.filter = filter
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}
