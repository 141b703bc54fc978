import PlayhouseCore

/// Environment variables as a request sends them: an object of strings, where a number or
/// a boolean stands for its JSON text (`8080`, `true`).
struct EnvironmentStrings: Decodable {
    var values: [String: String]

    init(from decoder: any Decoder) throws {
        let mismatch = DecodingError.expected("an object of strings", at: decoder.codingPath)
        guard case .object(let members) = try decoder.jsonValue() else { throw mismatch }
        values = try members.mapValues { value in
            switch value {
            case .string(let text): return text
            case .number, .bool: return value.jsonString()
            default: throw mismatch
            }
        }
    }
}
