import Foundation
import Hummingbird
import PlayhouseCore

/// Reading JSON request bodies strictly: a body that is not a JSON object, an unknown
/// field or a field of the wrong type is a 400 that names the field.
enum RequestBody {
    static func object(_ request: Request, allowed: Set<String>) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: ServerConfiguration.maxBodyBytes)
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, "the request body is empty", detail: "send a JSON object")
        }
        return try members(of: buffer, allowed: allowed)
    }

    /// Like ``object(_:allowed:)``, but an empty body is an empty object.
    static func optionalObject(_ request: Request, allowed: Set<String>) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: ServerConfiguration.maxBodyBytes)
        return buffer.readableBytes == 0 ? [:] : try members(of: buffer, allowed: allowed)
    }

    private static func members(of buffer: ByteBuffer, allowed: Set<String>) throws -> [String: JSONValue] {
        guard let value = JSONValue.parse(bytes: buffer.readableBytesView) else {
            throw APIError(.badRequest, "the request body is not valid JSON", detail: "send a JSON object")
        }
        guard case .object(let members) = value else {
            throw APIError(.badRequest, "the request body must be a JSON object")
        }
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(
                .badRequest, "unknown field \"\(unknown)\"",
                detail: "known fields: \(allowed.sorted().joined(separator: ", "))")
        }
        return members
    }

    static func string(_ members: [String: JSONValue], _ key: String, required: Bool = false) throws -> String? {
        switch members[key] {
        case nil, .null?:
            if required { throw APIError(.badRequest, "\(key) is required") }
            return nil
        case .string(let value)?: return value
        case .number(let value)? where key == "inventory":
            // A stored inventory's id; a number Int64 cannot hold would trap, not convert.
            guard value.rounded() == value, value >= 1, value < 1e15 else { throw typeError(key, "a path, or a stored inventory's id") }
            return String(Int64(value))
        default: throw typeError(key, "a string")
        }
    }

    static func bool(_ members: [String: JSONValue], _ key: String) throws -> Bool? {
        switch members[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw typeError(key, "true or false")
        }
    }

    static func int(_ members: [String: JSONValue], _ key: String) throws -> Int? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let value)? where value.rounded() == value && abs(value) < 1e9: return Int(value)
        default: throw typeError(key, "a whole number")
        }
    }

    static func number(_ members: [String: JSONValue], _ key: String) throws -> Double? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let value)?: return value
        default: throw typeError(key, "a number of seconds")
        }
    }

    /// A list of names, given as a JSON list or a comma-separated string.
    static func names(_ members: [String: JSONValue], _ key: String) throws -> [String]? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let text)?:
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return names.isEmpty ? nil : names
        case .array(let items)?:
            return try items.map { item in
                guard case .string(let name) = item else { throw typeError(key, "a list of strings") }
                return name
            }
        default: throw typeError(key, "a list of strings")
        }
    }

    /// A list of record ids (positive whole numbers), or with `single` one id.
    static func ids(_ members: [String: JSONValue], _ key: String, single: Bool = false) throws -> [Int64]? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let value)? where single:
            guard value.rounded() == value, value >= 1, value < 1e15 else { throw typeError(key, "an id (a positive whole number)") }
            return [Int64(value)]
        case .array(let items)?:
            return try items.map { item in
                guard case .number(let value) = item, value.rounded() == value, value >= 1, value < 1e15 else {
                    throw typeError(key, "a list of ids (positive whole numbers)")
                }
                return Int64(value)
            }
        default: throw typeError(key, "a list of ids (positive whole numbers)")
        }
    }

    static func stringMap(_ members: [String: JSONValue], _ key: String) throws -> [String: String]? {
        switch members[key] {
        case nil, .null?: return nil
        case .object(let values)?:
            return try values.mapValues { value in
                switch value {
                case .string(let text): return text
                case .number, .bool: return value.jsonString()
                default: throw typeError(key, "an object of strings")
                }
            }
        default: throw typeError(key, "an object of strings")
        }
    }

    /// Extra vars: a JSON object, or YAML/JSON text holding a mapping. Whether they are
    /// plain data is checked once, with every other launch field, by
    /// ``JobParameters/validate()`` (``LaunchValues/checkExtraVars(_:field:)``).
    static func extraVars(_ members: [String: JSONValue], _ key: String) throws -> [String: JSONValue]? {
        let variables: [String: JSONValue]
        switch members[key] {
        case nil, .null?: return nil
        case .object(let values)?: variables = values
        case .string(let text)?:
            let parsed: JSONValue?
            do {
                parsed = try YAMLData.load(text)
            } catch {
                throw APIError(.badRequest, "\(key) \(error.message)", detail: "send a mapping of variable names to values, as YAML or JSON")
            }
            guard let parsed else { return nil }
            guard case .object(let values) = parsed else {
                throw APIError(.badRequest, "\(key) must be a mapping of variable names to values")
            }
            variables = values
        default: throw typeError(key, "an object, or YAML/JSON text of a mapping")
        }
        return variables
    }

    static func typeError(_ key: String, _ expected: String) -> APIError {
        APIError(.badRequest, "\(key) must be \(expected)")
    }
}
