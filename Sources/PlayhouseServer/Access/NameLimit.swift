import PlayhouseCore

extension RequestBody {
    /// Names a request sends (to sign in as, to look up, to give) are at most this many
    /// bytes: a longer one is refused before it is stored, audited or looked up.
    static let maxNameBytes = 200

    /// A string member that is a name: at most ``maxNameBytes`` bytes.
    static func name(_ members: [String: JSONValue], _ key: String, required: Bool = false) throws -> String? {
        guard let name = try string(members, key, required: required) else { return nil }
        try checkName(name, key)
        return name
    }

    /// A member that is a list of names, each at most ``maxNameBytes`` bytes.
    static func nameList(_ members: [String: JSONValue], _ key: String) throws -> [String]? {
        let names = try names(members, key)
        for name in names ?? [] { try checkName(name, key) }
        return names
    }

    private static func checkName(_ name: String, _ key: String) throws {
        guard name.utf8.count <= maxNameBytes else {
            throw APIError(
                .badRequest, "\(key) is \(name.utf8.count) bytes long; names are at most \(maxNameBytes) bytes",
                detail: "send a shorter \(key)")
        }
    }
}
