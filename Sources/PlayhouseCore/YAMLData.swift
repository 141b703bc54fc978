import CYaml
import Foundation
import Yams

/// YAML text (extra vars) read into a ``JSONValue`` with no way to crash or exhaust the
/// server: libyaml's events are folded with an explicit stack (no recursion), so
/// nesting is bounded by `maxDepth`; aliases count the values they repeat against
/// `maxValues` and `maxBytes`, so "billion laughs" stops early; a mapping key must be
/// plain text (a key that is a list or mapping is refused: Yams' own constructor traps
/// on it). Scalars are typed as Yams types them (YAML 1.1: `yes` is true, `0x10` is 16).
public enum YAMLData {
    public struct Limits: Sendable {
        public var maxDepth = LaunchValues.maxDepth
        public var maxValues = LaunchValues.maxValues
        /// The most bytes of text once aliases are expanded.
        public var maxBytes = 8 * 1024 * 1024

        /// The limits of launch values.
        public init() {}
    }

    /// The one document in `text`; nil when it is empty.
    public static func load(_ text: String, limits: Limits = Limits()) throws(ValidationError) -> JSONValue? {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { buffer throws(ValidationError) in
            var reader = Reader(limits: limits)
            return try reader.read(buffer.baseAddress!, count: buffer.count - 1)
        }
    }

    private struct Reader {
        let limits: Limits
        var stack: [Frame] = []
        var anchors: [String: Measured] = [:]
        var values = 0
        var bytes = 0
        var root: JSONValue?
        var documents = 0

        init(limits: Limits) {
            self.limits = limits
        }

        /// A value and what it costs each time an alias repeats it.
        struct Measured {
            var value: JSONValue
            var values: Int
            var bytes: Int
        }

        enum Frame {
            case sequence(items: [JSONValue], anchor: String?, start: (values: Int, bytes: Int))
            /// `own`: the keys the mapping wrote itself, which merged keys (`<<`) never replace.
            case mapping(
                members: [String: JSONValue], own: Set<String>, key: String?, mergeKey: Bool, anchor: String?,
                start: (values: Int, bytes: Int))
        }

        mutating func read(_ input: UnsafePointer<UInt8>, count: Int) throws(ValidationError) -> JSONValue? {
            let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
            defer { parser.deallocate() }
            guard yaml_parser_initialize(parser) == 1 else { throw ValidationError("the YAML reader could not start") }
            defer { yaml_parser_delete(parser) }
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(parser, input, count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else {
                    throw ValidationError("not valid YAML: \(Self.problem(parser.pointee))")
                }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return root
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    guard documents == 1 else { throw ValidationError("holds more than one YAML document (---); send one") }
                case YAML_SCALAR_EVENT:
                    let scalar = event.data.scalar
                    let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                    let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE
                    if case .mapping(_, _, nil, _, _, _)? = stack.last {
                        try key(text, mergeKey: plain && text == "<<")
                        try charge(values: 1, bytes: text.utf8.count)
                        continue
                    }
                    let value = try Self.scalar(text, tag: Self.string(scalar.tag), plain: plain && scalar.plain_implicit == 1)
                    try charge(values: 1, bytes: text.utf8.count)
                    try add(Measured(value: value, values: 1, bytes: text.utf8.count), anchor: Self.string(scalar.anchor))
                case YAML_ALIAS_EVENT:
                    let name = Self.string(event.data.alias.anchor) ?? ""
                    guard let measured = anchors[name] else { throw ValidationError("uses the alias *\(name) before its anchor") }
                    if case .mapping(_, _, nil, _, _, _)? = stack.last {
                        guard case .string(let text) = measured.value else {
                            throw ValidationError("uses *\(name) as a mapping key; keys must be plain text")
                        }
                        try key(text, mergeKey: false)
                        continue
                    }
                    try charge(values: measured.values, bytes: measured.bytes)
                    try add(measured, anchor: nil)
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    if case .mapping(_, _, nil, _, _, _)? = stack.last {
                        throw ValidationError("has a mapping key that is a list or a mapping; keys must be plain text")
                    }
                    guard stack.count < limits.maxDepth else {
                        throw ValidationError("nests lists and mappings more than \(limits.maxDepth) deep")
                    }
                    try charge(values: 1, bytes: 0)
                    let start = (values, bytes)
                    if event.type == YAML_SEQUENCE_START_EVENT {
                        stack.append(.sequence(items: [], anchor: Self.string(event.data.sequence_start.anchor), start: start))
                    } else {
                        stack.append(
                            .mapping(
                                members: [:], own: [], key: nil, mergeKey: false, anchor: Self.string(event.data.mapping_start.anchor),
                                start: start))
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    let value: JSONValue
                    let anchor: String?
                    let start: (values: Int, bytes: Int)
                    switch stack.removeLast() {
                    case .sequence(let items, let name, let begin): (value, anchor, start) = (.array(items), name, begin)
                    case .mapping(let members, _, _, _, let name, let begin): (value, anchor, start) = (.object(members), name, begin)
                    }
                    try add(Measured(value: value, values: values - start.values + 1, bytes: bytes - start.bytes), anchor: anchor)
                default:
                    continue
                }
            }
        }

        private mutating func charge(values more: Int, bytes moreBytes: Int) throws(ValidationError) {
            values += more
            bytes += moreBytes
            guard values <= limits.maxValues else {
                throw ValidationError("holds more than \(limits.maxValues) values (aliases counted each time they repeat)")
            }
            guard bytes <= limits.maxBytes else {
                throw ValidationError("holds more than \(limits.maxBytes) bytes of text (aliases counted each time they repeat)")
            }
        }

        private mutating func key(_ text: String, mergeKey: Bool) throws(ValidationError) {
            guard case .mapping(let members, var own, nil, _, let anchor, let start) = stack.removeLast() else { return }
            if !mergeKey {
                guard own.insert(text).inserted else { throw ValidationError("has the key \"\(text.prefix(100))\" twice in one mapping") }
            }
            stack.append(.mapping(members: members, own: own, key: text, mergeKey: mergeKey, anchor: anchor, start: start))
        }

        /// Puts a finished value where it belongs: the root, a list, or a mapping's key.
        private mutating func add(_ measured: Measured, anchor: String?) throws(ValidationError) {
            if let anchor { anchors[anchor] = measured }
            switch stack.popLast() {
            case nil:
                root = measured.value
            case .sequence(var items, let name, let start)?:
                items.append(measured.value)
                stack.append(.sequence(items: items, anchor: name, start: start))
            case .mapping(var members, let own, let key?, let mergeKey, let name, let start)?:
                if mergeKey {
                    // `<<: *base` (or a list of them): the keys the mapping does not set itself.
                    let sources: [JSONValue]
                    if case .array(let list) = measured.value { sources = list } else { sources = [measured.value] }
                    for source in sources {
                        guard case .object(let merged) = source else {
                            throw ValidationError("merges (<<) something that is not a mapping")
                        }
                        // A key of the mapping's own (before or after the merge) wins.
                        for (name, value) in merged where !own.contains(name) && members[name] == nil { members[name] = value }
                    }
                } else {
                    members[key] = measured.value
                }
                stack.append(.mapping(members: members, own: own, key: nil, mergeKey: false, anchor: name, start: start))
            case .mapping(_, _, nil, _, _, _)?:
                preconditionFailure("keys are taken by key(_:mergeKey:)")
            }
        }

        /// A scalar's value: explicit standard tags are obeyed, a quoted scalar is text,
        /// a plain one is typed by Yams' resolver; a date stays as written.
        static func scalar(_ text: String, tag: String?, plain: Bool) throws(ValidationError) -> JSONValue {
            let name: Tag.Name
            if let tag {
                if ["!unsafe", "!", Tag.Name.str.rawValue, Tag.Name.timestamp.rawValue].contains(tag) { return .string(text) }
                name = Tag.Name(rawValue: tag)
            } else {
                guard plain else { return .string(text) }
                name = Resolver.default.resolveTag(of: Node(text))
            }
            let node = Node.scalar(Node.Scalar(text, Tag(name)))
            switch name {
            case .null:
                return .null
            case .bool:
                guard let flag = node.bool else { throw ValidationError("\"\(text.prefix(50))\" is not a boolean") }
                return .bool(flag)
            case .int:
                // Yams computes base-60 integers (1:30) without overflow checks: a long one
                // would trap the whole server, so they are computed here.
                if text.contains(":") { return try sexagesimal(text) }
                guard let number = node.int else {
                    throw ValidationError("\"\(text.prefix(50))\" is not a whole number this server can hold")
                }
                return .number(Double(number))
            case .float:
                guard let number = node.float, number.isFinite else {
                    throw ValidationError("\"\(text.prefix(50))\" is not a finite number; JSON cannot carry it")
                }
                return .number(number)
            case .str, .timestamp, .merge, .value:
                return .string(text)
            default:
                throw ValidationError("uses the tag \(name.rawValue.prefix(50)), which extra vars do not take")
            }
        }

        /// A YAML 1.1 base-60 integer (`-1:30:00`), or a refusal when it is no whole number
        /// this server can hold.
        static func sexagesimal(_ text: String) throws(ValidationError) -> JSONValue {
            var digits = Substring(text.replacingOccurrences(of: "_", with: ""))
            let negative = digits.first == "-"
            if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
            var total = 0
            for part in digits.split(separator: ":", omittingEmptySubsequences: false) {
                guard let value = Int(part), value >= 0 else { throw ValidationError("\"\(text.prefix(50))\" is not a base-60 number") }
                let (shifted, overflowed) = total.multipliedReportingOverflow(by: 60)
                let (sum, overflowedAgain) = shifted.addingReportingOverflow(value)
                guard !overflowed, !overflowedAgain, sum < 1 << 53 else {
                    throw ValidationError("\"\(text.prefix(50))\" is a base-60 number too large for this server")
                }
                total = sum
            }
            return .number(Double(negative ? -total : total))
        }

        static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        static func problem(_ parser: yaml_parser_t) -> String {
            let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
            return "\(problem) at line \(parser.problem_mark.line + 1), column \(parser.problem_mark.column + 1)"
        }
    }
}
