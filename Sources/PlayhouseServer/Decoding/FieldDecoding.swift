import Foundation
import HTTPTypes
import PlayhouseCore

extension DecodingError {
    /// A field whose value is not of a kind it takes; `what` ends the answer's
    /// "FIELD must be …" (``APIError/init(_:)-(DecodingError)``).
    static func expected(_ what: String, at codingPath: [any CodingKey]) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: what))
    }
}

extension Decoder {
    /// The request field being decoded, as answers name it: its top-level key.
    var field: String { codingPath.first?.stringValue ?? "" }

    /// The value being decoded, whatever its kind, for a field that takes several.
    func jsonValue() throws -> JSONValue {
        try singleValueContainer().decode(JSONValue.self)
    }
}

extension KeyedDecodingContainer {
    /// A record's name: trimmed, 1 to `maxLength` characters; required unless there is
    /// a `fallback` for when it is left out.
    func decodeLabel(forKey key: Key, maxLength: Int = 200, fallback: String? = nil) throws -> String {
        let text = try fallback.map { try decodeIfPresent(String.self, forKey: key) ?? $0 } ?? decode(String.self, forKey: key)
        let label = text.trimmingCharacters(in: .whitespaces)
        guard (1...maxLength).contains(label.count) else {
            throw APIError(.badRequest, "\(key.stringValue) must be 1 to \(maxLength) characters")
        }
        return label
    }

    /// One of `Choice`'s raw values, if the member is set; another value is a 400
    /// "KEY must be `expected`" that says what was sent.
    func decodeChoiceIfPresent<Choice: RawRepresentable<String>>(
        _ type: Choice.Type, forKey key: Key, expected: String
    ) throws -> Choice? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            throw APIError(.badRequest, "\(key.stringValue) must be \(expected)", detail: "got \"\(text)\"")
        }
        return choice
    }

    /// Like ``decodeChoiceIfPresent(_:forKey:expected:)``, for a member that is required.
    func decodeChoice<Choice: RawRepresentable<String>>(_ type: Choice.Type, forKey key: Key, expected: String) throws -> Choice {
        guard let choice = try decodeChoiceIfPresent(type, forKey: key, expected: expected) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "required"))
        }
        return choice
    }
}

extension CaseIterable where Self: RawRepresentable<String> {
    /// What a field that takes one of these must be: "one of a, b, c".
    static var oneOf: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }
}

extension String {
    /// Whether this is an http:// or https:// URL with a host: where a server may be asked.
    var isHTTPURL: Bool {
        guard let url = URL(string: self), let scheme = url.scheme?.lowercased() else { return false }
        return ["http", "https"].contains(scheme) && url.host != nil
    }
}
