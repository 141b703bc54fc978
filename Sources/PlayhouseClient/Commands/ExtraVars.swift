import ArgumentParser
import Foundation
import OpenAPIRuntime
import Yams

/// `-e` as `ansible-playbook` takes it: `key=value` pairs (values are strings), a JSON or
/// YAML mapping, or `@FILE` holding one. What is read is sent as data: the server, not the
/// client, decides what a launcher may set.
enum ExtraVars {
    static func merge(_ arguments: [String]) throws -> OpenAPIObjectContainer {
        var merged: [String: OpenAPIValueContainer] = [:]
        for argument in arguments {
            merged.merge(try parse(argument), uniquingKeysWith: { _, later in later })
        }
        return try OpenAPIObjectContainer(unvalidatedValue: merged.mapValues { $0.value })
    }

    static func parse(_ argument: String) throws -> [String: OpenAPIValueContainer] {
        let text = argument.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            guard let contents = FileManager.default.contents(atPath: path), let yaml = String(data: contents, encoding: .utf8) else {
                throw ValidationError("-e @\(path): no such readable file")
            }
            return try mapping(yaml, from: "-e @\(path)")
        }
        if text.hasPrefix("{") || text.hasPrefix("---") {
            return try mapping(text, from: "-e")
        }
        var pairs: [String: OpenAPIValueContainer] = [:]
        for pair in text.split(separator: " ", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("-e \"\(pair)\" is not key=value, JSON, YAML or @FILE")
            }
            pairs[String(pair[..<equals])] = OpenAPIValueContainer(stringLiteral: String(pair[pair.index(after: equals)...]))
        }
        return pairs
    }

    private static func mapping(_ yaml: String, from source: String) throws -> [String: OpenAPIValueContainer] {
        do {
            return try YAMLDecoder().decode(OpenAPIObjectContainer.self, from: yaml).value.mapValues {
                try OpenAPIValueContainer(unvalidatedValue: $0)
            }
        } catch {
            throw ValidationError("\(source) is not a YAML or JSON mapping: \(error)")
        }
    }
}
