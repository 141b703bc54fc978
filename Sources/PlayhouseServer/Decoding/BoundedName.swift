import HTTPTypes

/// A name a request sends (to sign in as, to look up, to give): at most ``maxBytes``
/// bytes, so a longer one is refused before it is stored, audited or looked up.
struct BoundedName: Decodable {
    static let maxBytes = 200

    var text: String

    init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
        try Self.check([text], field: decoder.field)
    }

    /// Refuses the first of `names` (the value of `field`) that is too long.
    static func check(_ names: [String], field: String) throws {
        guard let long = names.first(where: { $0.utf8.count > maxBytes }) else { return }
        throw APIError(
            .badRequest, "\(field) is \(long.utf8.count) bytes long; names are at most \(maxBytes) bytes",
            detail: "send a shorter \(field)")
    }
}

/// A ``NameList`` of ``BoundedName``s (a team's members).
struct BoundedNameList: Decodable {
    var names: [String]?

    init(from decoder: any Decoder) throws {
        names = try NameList(from: decoder).names
        try BoundedName.check(names ?? [], field: decoder.field)
    }
}
