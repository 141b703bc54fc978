import Foundation

/// `--output json`: a value as the API sends it (snake_case keys, RFC 3339 dates with
/// milliseconds), printed as one document.
enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        Terminal.out(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
    }
}
