/// Extra vars as Ansible must read values it may not template: YAML flow text (JSON's
/// shape) in which every string, keys included, carries Ansible's `!unsafe` tag, so
/// `{{ … }}` in them reaches the play as literal text. (JSON cannot carry the tag: a JSON
/// extra-vars file is templated wherever a value is used.)
public enum UnsafeYAML {
    /// The text of an extra-vars file (`--extra-vars=@FILE`) holding `variables`.
    public static func document(_ variables: [String: JSONValue]) -> String {
        var text = ""
        JSONText.write(.object(variables), into: &text, writeString: writeString)
        text += "\n"
        return text
    }

    /// A double-quoted scalar: every character that YAML would fold, strip or refuse
    /// (line breaks, control characters, non-characters) is written as an escape.
    private static func writeString(_ string: String, _ text: inout String) {
        text += "!unsafe \""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                let value = scalar.value
                let printable =
                    (0x20...0x7E).contains(value) || (0xA0...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value)
                    || value >= 0x10000
                let lineBreak = value == 0x2028 || value == 0x2029 || value == 0xFEFF
                if printable && !lineBreak {
                    text.unicodeScalars.append(scalar)
                } else {
                    let hex = String(value, radix: 16, uppercase: true)
                    text += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                }
            }
        }
        text += "\""
    }
}
