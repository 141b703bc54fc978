/// An email address Playhouse sends to or from: `local@domain` in the plain form of RFC
/// 5321 (a dot-atom local part of at most 64 characters, a domain of letters, digits and
/// hyphens; ASCII only, no quoted local parts, no address literals).
///
/// What it takes has no space, no angle bracket, no comma and no control character, so it
/// goes into an SMTP command (`RCPT TO:<…>`) and a header as it is: nothing a person sends
/// as an address can add a command or a header.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    /// What follows the `@`.
    public var domain: Substring { description[description.index(after: description.lastIndex(of: "@")!)...] }

    /// The longest address SMTP carries (RFC 5321's path limit less the brackets).
    public static let maxLength = 254

    public init(_ text: String) throws(ValidationError) {
        guard Self.isWellFormed(text) else {
            throw ValidationError("\"\(Self.printable(text))\" is not an email address of the form name@example.com")
        }
        description = text
    }

    private static func isWellFormed(_ text: String) -> Bool {
        guard text.utf8.count <= maxLength, let at = text.utf8.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = text.utf8[..<at]
        let domain = text.utf8[text.utf8.index(after: at)...]
        return isDotAtom(local) && isDomain(domain)
    }

    /// `atext` runs joined by single dots (RFC 5322 3.2.3), at most 64 bytes.
    private static func isDotAtom(_ bytes: Substring.UTF8View) -> Bool {
        guard (1...64).contains(bytes.count) else { return false }
        let atext = Set("!#$%&'*+-/=?^_`{|}~".utf8)
        return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.allSatisfy { isLetterOrDigit($0) || atext.contains($0) }
        }
    }

    /// Labels of letters, digits and inner hyphens joined by dots, as host names are.
    private static func isDomain(_ bytes: Substring.UTF8View) -> Bool {
        guard (1...253).contains(bytes.count) else { return false }
        return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// `text` with control characters shown as escapes, and cut, for an error message.
    static func printable(_ text: String) -> String {
        let shown = text.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }
        let joined = shown.joined()
        return joined.count > 80 ? joined.prefix(80) + "…" : joined
    }
}
