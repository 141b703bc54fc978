import PlayhouseCore

/// The `inventory` of a launch: a path in the project, or a stored inventory's id sent as
/// text or as a number (``RecordID``); either way the text the launch keeps.
struct InventoryPathOrID: Decodable {
    var text: String

    init(from decoder: any Decoder) throws {
        let value = try decoder.jsonValue()
        switch value {
        case .string(let text):
            self.text = text
        case .number:
            guard let id = RecordID.id(value) else {
                throw DecodingError.expected("a path, or a stored inventory's id", at: decoder.codingPath)
            }
            text = String(id)
        default:
            throw DecodingError.expected("a string", at: decoder.codingPath)
        }
    }
}
