import Hummingbird

/// Every listing the API answers: `{"KEY": [items]}` under the collection's name, and for a
/// page of a longer one, where the next page starts.
struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    /// Where the next page of a paged listing starts.
    enum Next: Sendable {
        /// `next_before`, to pass as `before`: the oldest item's id; null on the last page.
        case before(Int64?)
        /// `next_after`, to pass as `after`: the last item's seq, or `after` when there is none.
        case after(Int)
        /// `next_after`, to pass as `after`: the last item's name; null on the last page.
        case afterName(String?)
    }

    var key: String
    var items: [Item]
    var next: Next?

    init(key: String, items: [Item], next: Next? = nil) {
        self.key = key
        self.items = items
        self.next = next
    }

    /// A key named at run time.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(stringValue: key))
        switch next {
        case .before(let id)?: try container.encode(ExplicitNull(wrappedValue: id), forKey: Key(stringValue: "next_before"))
        case .after(let seq)?: try container.encode(seq, forKey: Key(stringValue: "next_after"))
        case .afterName(let name)?: try container.encode(ExplicitNull(wrappedValue: name), forKey: Key(stringValue: "next_after"))
        case nil: break
        }
    }
}
