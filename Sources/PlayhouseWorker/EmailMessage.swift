import Foundation
import PlayhouseCore

/// One email as Playhouse sends it (RFC 5322 with MIME): From, To, Subject, Date,
/// Message-ID, and a multipart/alternative body of the same news as plain text and as
/// HTML, both UTF-8 in quoted-printable. Every line of it ends in CRLF and is at most 998
/// bytes long; what the text holds (a job's values among it) never reaches the headers
/// but through ``MIMEEncoding/headerText(_:)``.
public struct EmailMessage: Sendable, Equatable {
    public var from: EmailAddress
    /// The name shown beside the sender's address.
    public var fromName: String
    public var to: [EmailAddress]
    public var subject: String
    public var text: String
    /// The HTML body, markup Playhouse wrote around escaped values.
    public var html: String
    public var date: Date
    /// `<unique@domain>`, made from the sender's domain.
    public var messageID: String
    /// Begins with "=_", which quoted-printable never writes: no body line can be it.
    private let boundary = "=_playhouse_" + UUID().uuidString.lowercased()

    public init(
        from: EmailAddress, fromName: String = "Playhouse", to: [EmailAddress], subject: String, text: String, html: String,
        date: Date = Date(), messageID: String? = nil
    ) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
        self.messageID = messageID ?? "<\(UUID().uuidString.lowercased())@\(from.domain)>"
    }

    /// The message as it goes after DATA, before dot-stuffing: headers, a blank line, the body.
    public var rendered: String {
        let headers = [
            "From: \(MIMEEncoding.headerText(fromName)) <\(from)>",
            "To: " + Self.folded(to.map(\.description)),
            "Subject: \(MIMEEncoding.headerText(subject))",
            "Date: \(Self.date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            // RFC 3834: made by a machine; out-of-office replies should not answer it.
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        var message = headers.joined(separator: "\r\n") + "\r\n\r\n"
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            message += "--\(boundary)\r\n"
            message += "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            message += MIMEEncoding.quotedPrintable(body)
        }
        return message + "--\(boundary)--\r\n"
    }

    /// Addresses joined by commas, a new folded line whenever one would pass 78 columns.
    private static func folded(_ addresses: [String]) -> String {
        var lines = [""]
        for (index, address) in addresses.enumerated() {
            let piece = address + (index < addresses.count - 1 ? "," : "")
            if !lines[lines.count - 1].isEmpty, lines[lines.count - 1].count + piece.count + 5 > 78 {
                lines.append("")
            }
            lines[lines.count - 1] += (lines[lines.count - 1].isEmpty ? "" : " ") + piece
        }
        return lines.joined(separator: "\r\n ")
    }

    /// RFC 5322's date, in UTC: `Mon, 30 Nov 2026 09:05:00 +0000`.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(weekdays[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
