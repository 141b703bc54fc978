import PlayhouseCore

/// A stored record's id: a positive whole number below 1e15, where every whole number is
/// still exact in the JSON number it came as (and an `Int64` conversion cannot trap).
struct RecordID: Decodable {
    var id: Int64

    init(from decoder: any Decoder) throws {
        guard let id = Self.id(try decoder.jsonValue()) else {
            throw DecodingError.expected("an id (a positive whole number)", at: decoder.codingPath)
        }
        self.id = id
    }

    static func id(_ value: JSONValue) -> Int64? {
        guard case .number(let number) = value, number.rounded() == number, number >= 1, number < 1e15 else { return nil }
        return Int64(number)
    }
}

/// A list of stored records' ids (``RecordID``).
struct RecordIDs: Decodable {
    var ids: [Int64]

    init(from decoder: any Decoder) throws {
        let mismatch = DecodingError.expected("a list of ids (positive whole numbers)", at: decoder.codingPath)
        guard case .array(let items) = try decoder.jsonValue() else { throw mismatch }
        ids = try items.map { item in
            guard let id = RecordID.id(item) else { throw mismatch }
            return id
        }
    }
}
