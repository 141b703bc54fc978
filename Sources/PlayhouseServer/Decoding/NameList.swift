import Foundation
import PlayhouseCore

/// A list of names (tags, events, variables), sent as a JSON list or as comma-separated
/// text as the page's forms send it; text that holds no name is no list.
struct NameList: Decodable {
    var names: [String]?

    init(from decoder: any Decoder) throws {
        let mismatch = DecodingError.expected("a list of strings", at: decoder.codingPath)
        switch try decoder.jsonValue() {
        case .string(let text):
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            self.names = names.isEmpty ? nil : names
        case .array(let items):
            names = try items.map { item in
                guard case .string(let name) = item else { throw mismatch }
                return name
            }
        default:
            throw mismatch
        }
    }
}
