public import Foundation

/// A project kept in a git repository: each run checks its branch out from a mirror of it.
public struct GitProject: Sendable, Equatable {
    public var name: String
    /// Anything `git clone` takes: https://, ssh://, git@host:path or file://.
    public var url: String
    public var branch: String
    /// For the clone: a password or token credential (https) or an ssh one.
    public var credentialID: Int64?
    /// The SSH host keys its clones trust (``KnownHosts/text``); empty until the first
    /// clone over SSH learns them, or an admin gives them.
    public var knownHosts: String
    /// Whether an admin gave ``knownHosts`` or confirmed the learned ones; until then they
    /// are trusted as first seen, and shown as unconfirmed.
    public var knownHostsConfirmed: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        name: String, url: String, branch: String, credentialID: Int64?, knownHosts: String = "", knownHostsConfirmed: Bool = false,
        createdAt: Date, updatedAt: Date
    ) {
        self.name = name
        self.url = url
        self.branch = branch
        self.credentialID = credentialID
        self.knownHosts = knownHosts
        self.knownHostsConfirmed = knownHostsConfirmed
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Checks what a person typed: a name like a folder's, a URL git can clone that cannot be
    /// read as an option, a plain branch name.
    public static func validate(name: String, url: String, branch: String) throws(ValidationError) {
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), name.count <= 100,
            name.unicodeScalars.allSatisfy({ !CharacterSet.whitespacesAndNewlines.contains($0) && $0.value >= 32 })
        else {
            throw ValidationError("name must be 1 to 100 characters without /, spaces, or a leading dot")
        }
        let schemes = ["https://", "http://", "ssh://", "file://", "git://"]
        let scpLike = url.contains("@") && url.contains(":") && !url.contains("://")
        guard schemes.contains(where: url.hasPrefix) || scpLike, !url.hasPrefix("-"), !url.contains(" ") else {
            throw ValidationError("url must be a git URL (https://, ssh://, git@host:path or file://), got \"\(url)\"")
        }
        if let parts = URLComponents(string: url), parts.password != nil {
            throw ValidationError("url holds a password: put it in a password or token credential instead")
        }
        // Over http(s) the user part is where tokens end up (https://TOKEN@host/…), and a
        // URL is shown to every viewer and written to the audit log. Over ssh it is the
        // login (git@host:path) and stays allowed.
        if url.hasPrefix("https://") || url.hasPrefix("http://"), let parts = URLComponents(string: url), parts.user != nil {
            throw ValidationError("url holds a user part (user@): put the user and token in a password or token credential instead")
        }
        guard !branch.isEmpty, !branch.hasPrefix("-"), !branch.contains(".."), branch.count <= 200,
            branch.unicodeScalars.allSatisfy({
                !CharacterSet.whitespacesAndNewlines.contains($0) && !"~^:?*[\\".unicodeScalars.contains($0)
            })
        else {
            throw ValidationError("branch must be a plain branch name, got \"\(branch)\"")
        }
    }
}
