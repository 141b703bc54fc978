/// `{"name", "password"}`: signing in.
struct LoginRequest: Decodable {
    var name: String
    var password: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, password
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(BoundedName.self, forKey: .name).text
        password = try container.decode(String.self, forKey: .password)
    }
}
