import Foundation

extension JSONEncoder {
    /// The one encoder of the API's JSON: the router's answers (``PlayhouseContext``), the
    /// errors (``APIError``) and the event stream's frames all write with it. Keys sorted,
    /// so the same value is the same text; slashes as they are, as in paths and URLs.
    static let api: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
