import Foundation

/// JSON text to ``JSONValue`` and back, without Codable.
///
/// Every event of every run passes through here several times (the callback's line, the
/// stored `data`, each stream frame), and `JSONDecoder` has no way to ask a value's type
/// but to try each type and catch the error. This direct reader and writer cost a
/// fraction of that. The reader follows RFC 8259 strictly and stops at a nesting depth
/// of 512, so hostile input cannot exhaust the stack.
enum JSONText {
    static let maxDepth = 512

    static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> JSONValue? {
        let parsed: JSONValue?? = bytes.withContiguousStorageIfAvailable { buffer in
            var reader = Reader(bytes: buffer)
            return reader.document()
        }
        if let parsed { return parsed }
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer)
            return reader.document()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func document() -> JSONValue? {
            guard let value = value() else { return nil }
            skipSpace()
            return index == bytes.count ? value : nil
        }

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        private mutating func literal(_ word: StaticString, _ value: JSONValue) -> JSONValue? {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return nil }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return nil }
            index += count
            return value
        }

        private mutating func value() -> JSONValue? {
            skipSpace()
            guard let byte = current else { return nil }
            switch byte {
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case UInt8(ascii: "\""): return string().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        private mutating func object() -> JSONValue? {
            var members: [String: JSONValue] = [:]
            let read = list(closing: UInt8(ascii: "}")) { parser in
                parser.skipSpace()
                guard parser.current == UInt8(ascii: "\""), let key = parser.string() else { return false }
                parser.skipSpace()
                guard parser.current == UInt8(ascii: ":") else { return false }
                parser.index += 1
                guard let value = parser.value() else { return false }
                members[key] = value
                return true
            }
            return read ? .object(members) : nil
        }

        private mutating func array() -> JSONValue? {
            var elements: [JSONValue] = []
            let read = list(closing: UInt8(ascii: "]")) { parser in
                guard let value = parser.value() else { return false }
                elements.append(value)
                return true
            }
            return read ? .array(elements) : nil
        }

        /// Reads an object's members or an array's elements, from the opening bracket to
        /// `closing`, one by `item` (false when it is not one); false when they are not
        /// well formed or nest deeper than ``JSONText/maxDepth``.
        private mutating func list(closing: UInt8, _ item: (inout Self) -> Bool) -> Bool {
            depth += 1
            defer { depth -= 1 }
            guard depth <= JSONText.maxDepth else { return false }
            index += 1
            skipSpace()
            if current == closing {
                index += 1
                return true
            }
            while true {
                guard item(&self) else { return false }
                skipSpace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case closing:
                    index += 1
                    return true
                default: return false
                }
            }
        }

        private mutating func number() -> JSONValue? {
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, isDigit(first) else { return nil }
            index += 1
            if first != UInt8(ascii: "0") { while let byte = current, isDigit(byte) { index += 1 } }
            if current == UInt8(ascii: ".") {
                index += 1
                guard digits() else { return nil }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard digits() else { return nil }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            // A number too large for a Double would come back as infinity, which no JSON
            // writer can write again: refused, so nothing is stored that cannot be read back.
            guard let number = Double(text), number.isFinite else { return nil }
            return .number(number)
        }

        private mutating func digits() -> Bool {
            let start = index
            while let byte = current, isDigit(byte) { index += 1 }
            return index > start
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        /// A string starting at the opening quote; nil when it is not valid.
        private mutating func string() -> String? {
            index += 1
            let start = index
            // The common case: no escapes, one copy.
            while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 { index += 1 }
            if current == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return String(validating: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = current else { return nil }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        scalars.append(contentsOf: String(Character(scalar)).utf8)
                    default: return nil
                    }
                case 0..<0x20: return nil
                default:
                    scalars.append(byte)
                    index += 1
                }
            }
            return nil
        }

        /// The scalar of `\uXXXX` (the `\u` already read), joining a surrogate pair.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(high) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else { return nil }
                index += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(high)
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }

    /// Compact JSON with sorted keys; slashes are not escaped. Numbers without a fraction
    /// (below 10^15) are written as integers; a non-finite number, which JSON cannot
    /// hold, as `null`. `writeString` writes each string and key (YAML flow text reuses
    /// the rest: see ``UnsafeYAML``).
    static func write(
        _ value: JSONValue, into text: inout String, writeString: (String, inout String) -> Void = JSONText.writeString
    ) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .number(let number):
            if !number.isFinite {
                text += "null"
            } else if number.rounded() == number, abs(number) < 1e15 {
                text += String(Int64(number))
            } else {
                // "1e+16" is JSON, but YAML 1.1 (PyYAML, reading UnsafeYAML) takes a
                // number only with a fraction: "1.0e+16" is both.
                let written = "\(number)"
                text += written.contains(".") || !written.contains("e") ? written : written.replacingOccurrences(of: "e", with: ".0e")
            }
        case .string(let string): writeString(string, &text)
        case .array(let elements):
            text += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { text += "," }
                write(element, into: &text, writeString: writeString)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { text += "," }
                writeString(key, &text)
                text += ":"
                write(members[key]!, into: &text, writeString: writeString)
            }
            text += "}"
        }
    }

    static func writeString(_ string: String, _ text: inout String) {
        text += "\""
        var plainStart = string.utf8.startIndex
        let utf8 = string.utf8
        var index = plainStart
        while index != utf8.endIndex {
            let byte = utf8[index]
            let escape: String? =
                switch byte {
                case UInt8(ascii: "\""): "\\\""
                case UInt8(ascii: "\\"): "\\\\"
                case 0x0A: "\\n"
                case 0x0D: "\\r"
                case 0x09: "\\t"
                case 0x08: "\\b"
                case 0x0C: "\\f"
                case 0..<0x20: "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
                default: nil
                }
            if let escape {
                text += string[plainStart..<index]
                text += escape
                plainStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        text += string[plainStart..<utf8.endIndex]
        text += "\""
    }
}
