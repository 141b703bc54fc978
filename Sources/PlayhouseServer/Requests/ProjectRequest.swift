/// `{"name", "url", "branch" (default main), "credential"}`: a git project to add or
/// replace (whether the name is a folder's, and the credential's kind, are the route's to check).
struct ProjectRequest: Decodable {
    var name: String
    var url: String
    var branch: String
    var credential: Int64?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, url, branch, credential
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        credential = try container.decodeIfPresent(RecordID.self, forKey: .credential)?.id
        url = try container.decode(String.self, forKey: .url)
        branch = try container.decodeIfPresent(String.self, forKey: .branch) ?? "main"
    }
}
