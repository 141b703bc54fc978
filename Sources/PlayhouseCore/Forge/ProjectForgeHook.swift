public import Foundation

/// A git project's forge hook: the URLs a GitHub, Gitea, Forgejo or GitLab repository posts
/// its pushes to, with the secret the forge signs them with. A push of the project's branch
/// refreshes the project's mirrors on every worker; it launches nothing.
public struct ProjectForgeHook: Sendable, Equatable {
    public var project: String
    /// The secret, sealed with the server's key (see ``ForgeHook/sealedSecret``).
    public var sealedSecret: String
    public var createdBy: String
    public var createdAt: Date

    public init(project: String, sealedSecret: String, createdBy: String, createdAt: Date) {
        self.project = project
        self.sealedSecret = sealedSecret
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}
