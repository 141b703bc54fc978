import Hummingbird

/// The keys of two values in one JSON object: an answer that shares part of its keys with
/// another (``LaunchFields``) is written as the shared part and its own.
struct Merged<First: Encodable & Sendable, Second: Encodable & Sendable>: ResponseEncodable, Sendable {
    var first: First
    var second: Second

    init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    func encode(to encoder: any Encoder) throws {
        try first.encode(to: encoder)
        try second.encode(to: encoder)
    }
}
