import PlayhouseCore

/// `{"name", "role" (default viewer), "password"}`: a new user.
struct UserRequest: Decodable {
    var name: String
    var role: Role
    var password: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, role, password
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(BoundedName.self, forKey: .name).text
        role = try container.decodeChoiceIfPresent(Role.self, forKey: .role, expected: Role.oneOf) ?? .viewer
        password = try container.decode(String.self, forKey: .password)
    }
}

/// `{"role", "password"}`, each optional: what changes of a user.
struct UserUpdate: Decodable {
    var role: Role?
    var password: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case role, password
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decodeChoiceIfPresent(Role.self, forKey: .role, expected: Role.oneOf)
        password = try container.decodeIfPresent(String.self, forKey: .password)
    }
}

/// `{"current_password", "new_password"}`: a user's own new password.
struct PasswordChange: Decodable {
    var current: String
    var new: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case current = "current_password"
        case new = "new_password"
    }
}
