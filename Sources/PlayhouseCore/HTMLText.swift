/// Text put into HTML that Playhouse writes itself (notification emails, the pages that end
/// a sign-in through a provider).
public enum HTMLText {
    /// `text` safe anywhere in HTML: in an element or in a quoted attribute.
    public static func escaped(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }
}
