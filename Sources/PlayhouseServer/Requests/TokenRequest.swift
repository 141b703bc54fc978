import Foundation
import PlayhouseCore

/// `{"name" (default api), "expires": "30d"|"12h"|"2026-12-31", "user": NAME (admins)}`:
/// an API token to make.
struct TokenRequest: Decodable {
    var name: String
    var expires: Date?
    var user: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, expires, user
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeLabel(forKey: .name, maxLength: 100, fallback: "api")
        expires = try container.decodeIfPresent(String.self, forKey: .expires).map { try APIToken.expiry($0) }
        user = try container.decodeIfPresent(BoundedName.self, forKey: .user)?.text
    }
}
