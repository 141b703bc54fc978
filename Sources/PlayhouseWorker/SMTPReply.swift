/// One answer of an SMTP server (RFC 5321 4.2): a three-digit code and its text, on one
/// line (`250 OK`) or several (`250-first`, …, `250 last`).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    /// The text of each line, without the code and its separator.
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// `250 first / last`: the code and the lines' text, as an error tells it.
    public var description: String {
        let text = lines.filter { !$0.isEmpty }.joined(separator: " / ")
        return text.isEmpty ? "\(code)" : "\(code) \(text)"
    }

    /// The EHLO answer's keywords (its lines after the greeting), upper-cased: `STARTTLS`,
    /// `AUTH PLAIN LOGIN`, `SIZE 35882577`.
    var extensions: [String] { lines.dropFirst().map { $0.uppercased() } }

    /// Whether the EHLO answer offers `keyword` (`STARTTLS`).
    func offers(_ keyword: String) -> Bool {
        extensions.contains { $0 == keyword || $0.hasPrefix(keyword + " ") }
    }

    /// The SASL mechanisms an EHLO answer's `AUTH` line names.
    var authMechanisms: Set<String> {
        Set(
            extensions.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }.flatMap {
                $0.dropFirst(5).split(separator: " ").map(String.init)
            })
    }
}

/// Builds replies from the lines a server sends, one line at a time.
struct SMTPReplyParser {
    /// A reply may have this many lines; a server that sends more is refused, so memory stays bounded.
    static let maxLines = 200

    private var code: Int?
    private var lines: [String] = []

    /// Takes one line (without its CRLF); the whole reply once its last line came.
    mutating func take(_ line: String) throws(SMTPReplyError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let number = Int(String(decoding: bytes[0...2], as: UTF8.self)), (200...599).contains(number)
        else { throw SMTPReplyError("the server answered \"\(line.prefix(100))\", which is no SMTP reply") }
        if let code, code != number {
            throw SMTPReplyError("the server's reply changed its code from \(code) to \(number) within one reply")
        }
        let separator = bytes.count > 3 ? bytes[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPReplyError("the server answered \"\(line.prefix(100))\", which is no SMTP reply")
        }
        code = number
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard lines.count <= Self.maxLines else { throw SMTPReplyError("the server's reply ran past \(Self.maxLines) lines") }
        guard separator == UInt8(ascii: " ") else { return nil }
        let reply = SMTPReply(code: number, lines: lines)
        self = SMTPReplyParser()
        return reply
    }
}

/// A server's answer that is not SMTP.
struct SMTPReplyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
