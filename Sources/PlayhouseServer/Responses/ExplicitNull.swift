/// An optional that an answer writes as `null` when it is absent: the API documents every
/// key of its answers as always present, and synthesized `Encodable` leaves an absent
/// optional out (as it still may, for a key documented as sometimes there).
@propertyWrapper
struct ExplicitNull<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
