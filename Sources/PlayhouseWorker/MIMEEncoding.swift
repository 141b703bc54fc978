import Foundation

/// The encodings that let any text ride in a message whose lines are short 7-bit ASCII:
/// quoted-printable bodies (RFC 2045) and encoded-word headers (RFC 2047).
enum MIMEEncoding {
    /// The longest line quoted-printable writes, soft break included (RFC 2045 6.7).
    static let lineLength = 76

    /// `text` in quoted-printable, each of its lines (LF, CRLF or CR) a CRLF-ended line:
    /// printable ASCII stays, everything else is `=XX` per UTF-8 byte, long lines are
    /// broken softly (`=` at the end), and a line's leading dot is `=2E`, so no line of the
    /// body reads as the end of the message even to a server that undoes no dot-stuffing.
    static func quotedPrintable(_ text: String) -> String {
        var output = ""
        var lines = lines(text)
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        for line in lines {
            var current = ""
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                let literal =
                    (33...126).contains(byte) && byte != UInt8(ascii: "=")
                    && !(byte == UInt8(ascii: ".") && current.isEmpty)
                    || (byte == UInt8(ascii: " ") && !last)
                let piece = literal ? String(UnicodeScalar(byte)) : hex(byte)
                // Room for the soft break's "=" after the piece.
                if current.utf8.count + piece.utf8.count > lineLength - 1 {
                    output += current + "=\r\n"
                    current = ""
                }
                current += piece
            }
            output += current + "\r\n"
        }
        return output
    }

    /// A header's value: `text` with every control character (CR and LF among them) made a
    /// space, as it is when it is printable ASCII, otherwise as UTF-8 encoded words folded
    /// onto lines of their own. Nothing in `text` can end the header or start another.
    static func headerText(_ text: String) -> String {
        let flat = String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        if flat.utf8.allSatisfy({ (32...126).contains($0) }), !flat.contains("=?"), flat.utf8.count <= 900 {
            return flat
        }
        // Each word: "=?UTF-8?B?" + base64 of at most 45 bytes + "?=", 72 characters at most;
        // words end on whole code points, as RFC 2047 asks.
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in flat.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// The lines of `text`, split at LF, CRLF or CR.
    static func lines(_ text: String) -> [Substring] {
        text.replacing("\r\n", with: "\n").replacing("\r", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "=" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }
}
