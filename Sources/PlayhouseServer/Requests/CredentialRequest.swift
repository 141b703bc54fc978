import PlayhouseCore

/// `{"name", "kind", …the kind's secret fields}`; every field is a string.
struct CredentialRequest: Decodable {
    var name: String
    var kind: Credential.Kind
    var secret: CredentialSecret

    /// `name`, `kind`, and the secret fields of every kind: which of them a kind takes is
    /// ``CredentialSecret/validate(for:)``'s to say, so that the answer names the kind.
    struct Field: CodingKey, CaseIterable {
        static let name = Field("name")
        static let kind = Field("kind")
        static let secretFields = Set(Credential.Kind.allCases.flatMap { $0.fields.required + $0.fields.optional }).sorted().map(Field.init)
        static let allCases = [name, kind] + secretFields

        var stringValue: String
        var intValue: Int? { nil }

        init(_ name: String) {
            stringValue = name
        }

        init?(stringValue: String) {
            self.init(stringValue)
        }

        init?(intValue: Int) {
            nil
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Field.self)
        name = try container.decodeLabel(forKey: .name)
        kind = try container.decodeChoice(Credential.Kind.self, forKey: .kind, expected: Credential.Kind.oneOf)
        var values: [String: String] = [:]
        for field in Field.secretFields {
            values[field.stringValue] = try container.decodeIfPresent(String.self, forKey: field)
        }
        secret = CredentialSecret(values)
        try secret.validate(for: kind)
    }
}
