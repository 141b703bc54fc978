/// `{"name", "members": [user names]}`: a new team.
struct TeamRequest: Decodable {
    var name: String
    var members: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, members
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(BoundedName.self, forKey: .name).text
        members = try container.decodeIfPresent(BoundedNameList.self, forKey: .members)?.names
    }
}

/// `{"members": [user names]}`: the members that replace a team's.
struct TeamUpdate: Decodable {
    var members: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case members
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        members = try container.decodeIfPresent(BoundedNameList.self, forKey: .members)?.names ?? []
    }
}
