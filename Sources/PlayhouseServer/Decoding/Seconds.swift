import PlayhouseCore

/// A duration in seconds: any JSON number (its range is the field's to check).
struct Seconds: Decodable {
    var value: Double

    init(from decoder: any Decoder) throws {
        guard case .number(let seconds) = try decoder.jsonValue() else {
            throw DecodingError.expected("a number of seconds", at: decoder.codingPath)
        }
        value = seconds
    }
}
