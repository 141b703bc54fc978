/// `{"name", "url", "branch" (default main), "credential", "known_hosts"}`: a git project to
/// add or replace (whether the name is a folder's, and the credential's kind, are the route's
/// to check; the known hosts, the store's).
struct ProjectRequest: Decodable {
    var name: String
    var url: String
    var branch: String
    var credential: Int64?
    /// The SSH host keys to trust, as `known_hosts` text; empty to clear them, nil to keep
    /// the project's.
    var knownHosts: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, branch, credential
        case knownHosts = "known_hosts"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        credential = try container.decodeIfPresent(RecordID.self, forKey: .credential)?.id
        url = try container.decode(String.self, forKey: .url)
        branch = try container.decodeIfPresent(String.self, forKey: .branch) ?? "main"
        knownHosts = try container.decodeIfPresent(String.self, forKey: .knownHosts)
    }
}
