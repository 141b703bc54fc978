import PlayhouseCore

/// Decodes a `Decodable` type from the `JSONValue` a request body was parsed into, with no
/// second pass through JSON text. The leaf values are read as request fields take them: a
/// whole number is an integer only below 1e9 in size.
///
/// At the top level it notes in `fields` every key the type reads: each case of a
/// `CaseIterable` key type it opens a container with, and each key it asks for. A type
/// opens its containers before it reads a value (as synthesized code does), so all its
/// keys are known when a value turns out wrong. Below the top level (a survey question,
/// its choice source) other keys are let be.
struct JSONValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    /// The top-level keys read; nil below the top level.
    let fields: FieldLog?

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw DecodingError.expected("an object", at: codingPath) }
        if let fields, let keys = type as? any (CodingKey & CaseIterable).Type { fields.note(every: keys) }
        return KeyedDecodingContainer(ObjectContainer(members: members, codingPath: codingPath, fields: fields))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw DecodingError.expected("a list", at: codingPath) }
        return ArrayContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }

    /// Serves every `decode` of the protocol: the leaf types here, any other type through
    /// its own `init(from:)`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is JSONValue.Type: return try leaf(value, "a JSON value")
        case is String.Type: return try leaf(value.stringValue, "a string")
        case is Bool.Type: return try leaf(flag, "true or false")
        case let integer as any FixedWidthInteger.Type: return try leaf(wholeNumber.flatMap { integer.init(exactly: $0) }, "a whole number")
        case let real as any BinaryFloatingPoint.Type: return try leaf(number.map { real.init($0) }, "a number")
        default: return try T(from: self)
        }
    }

    private var flag: Bool? {
        if case .bool(let flag) = value { return flag }
        return nil
    }

    private var number: Double? {
        if case .number(let number) = value { return number }
        return nil
    }

    private var wholeNumber: Double? {
        number.flatMap { $0.rounded() == $0 && abs($0) < 1e9 ? $0 : nil }
    }

    private func leaf<T>(_ value: Any?, _ expected: String) throws -> T {
        guard let value = value as? T else { throw DecodingError.expected(expected, at: codingPath) }
        return value
    }
}

/// The keys a request type reads at the top level of its body.
final class FieldLog {
    private(set) var names: Set<String> = []

    func note(_ key: some CodingKey) {
        names.insert(key.stringValue)
    }

    func note<Key: CodingKey & CaseIterable>(every type: Key.Type) {
        for key in Key.allCases { note(key) }
    }
}

private struct ObjectContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]
    let fields: FieldLog?

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        fields?.note(key)
        return members[key.stringValue] != nil
    }

    /// An absent member is as good as null: either leaves an optional field unset.
    func decodeNil(forKey key: Key) -> Bool {
        fields?.note(key)
        return (members[key.stringValue] ?? .null) == .null
    }

    /// Serves every `decode(_:forKey:)` of the protocol.
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder(for: key).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        JSONValueDecoder(value: .object(members), codingPath: codingPath, fields: nil)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try decoder(for: key)
    }

    /// A required member: missing is `keyNotFound`, null `valueNotFound`, as JSONDecoder has it.
    private func decoder(for key: Key) throws -> JSONValueDecoder {
        fields?.note(key)
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "required"))
        }
        guard value != .null else {
            throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: codingPath + [key], debugDescription: "required"))
        }
        return JSONValueDecoder(value: value, codingPath: codingPath + [key], fields: nil)
    }
}

private struct ArrayContainer: UnkeyedDecodingContainer {
    /// An item's place in a coding path, named as JSONDecoder names it.
    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "Index \(intValue ?? 0)" }
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    let items: [JSONValue]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(items: [JSONValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func decodeNil() throws -> Bool {
        guard try peek().value == .null else { return false }
        currentIndex += 1
        return true
    }

    /// Serves every `decode(_:)` of the protocol.
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try take().decode(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try take().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try take().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try take()
    }

    private mutating func take() throws -> JSONValueDecoder {
        let item = try peek()
        currentIndex += 1
        return item
    }

    private func peek() throws -> JSONValueDecoder {
        let key = Index(intValue: currentIndex)
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: codingPath + [key], debugDescription: "the list has ended"))
        }
        return JSONValueDecoder(value: items[currentIndex], codingPath: codingPath + [key], fields: nil)
    }
}
