public import Foundation

/// An entry of the requirements cache a run used: what one requirements file of a
/// checkout installed, kept by the digest of its content and the ansible-core that
/// installed it.
public struct CachedRequirements: Sendable, Equatable, Codable {
    /// The entry's name in the cache: `role-…` or `collection-…` and the digest.
    public var key: String
    /// The file it was installed from: `roles/requirements.yml` or
    /// `collections/requirements.yml`.
    public var file: String
    /// When ansible-galaxy installed it.
    public var installedAt: Date

    public init(key: String, file: String, installedAt: Date) {
        self.key = key
        self.file = file
        self.installedAt = installedAt
    }
}
