import HTTPTypes
import Hummingbird
import NIOCore
import PlayhouseCore

/// How every route reads its body (`request.decode(as:context:)`): a JSON object, parsed
/// with the server's limits by ``JSONValue/parse(bytes:)``, decoded strictly into the
/// route's request type by ``JSONValueDecoder``. A field the type does not read, a field of
/// the wrong kind and a missing one are each a 400 that names the field.
public struct RequestBodyDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer = try await request.body.collect(upTo: ServerConfiguration.maxBodyBytes)
        guard buffer.readableBytes > 0 else {
            guard type is any EmptyBodyDecodable.Type else {
                throw APIError(.badRequest, "the request body is empty", detail: "send a JSON object")
            }
            return try Self.decode(type, from: [:])
        }
        guard let body = JSONValue.parse(bytes: buffer.readableBytesView) else {
            throw APIError(.badRequest, "the request body is not valid JSON", detail: "send a JSON object")
        }
        guard case .object(let members) = body else {
            throw APIError(.badRequest, "the request body must be a JSON object")
        }
        return try Self.decode(type, from: members)
    }

    static func decode<T: Decodable>(_ type: T.Type, from members: [String: JSONValue]) throws -> T {
        let fields = FieldLog()
        let decoded = Result { try T(from: JSONValueDecoder(value: .object(members), codingPath: [], fields: fields)) }
        // An unknown field is named before any other fault: it is most often a misspelt one.
        if let unknown = members.keys.sorted().first(where: { !fields.names.contains($0) }) {
            throw APIError(
                .badRequest, "unknown field \"\(unknown)\"",
                detail: "known fields: \(fields.names.sorted().joined(separator: ", "))")
        }
        do {
            return try decoded.get()
        } catch let error as DecodingError {
            throw APIError(error)
        }
    }
}

/// A request type whose body may be left out: an empty body reads as `{}`.
protocol EmptyBodyDecodable: Decodable {}

extension APIError {
    /// A request field that could not be decoded, named by its top-level key.
    init(_ error: DecodingError) {
        let field = { (path: [any CodingKey]) in path.first?.stringValue ?? "the request body" }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(.badRequest, "\(field(context.codingPath + [key])) is required")
        case .valueNotFound(_, let context):
            self.init(.badRequest, "\(field(context.codingPath)) is required")
        case .typeMismatch(_, let context):
            self.init(.badRequest, "\(field(context.codingPath)) must be \(context.debugDescription)")
        case .dataCorrupted(let context):
            self.init(.badRequest, "\(field(context.codingPath)) is not valid", detail: context.debugDescription)
        @unknown default:
            self.init(.badRequest, "the request body is not valid", detail: "\(error)")
        }
    }
}
