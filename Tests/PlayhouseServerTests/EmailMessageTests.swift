import Foundation
import PlayhouseCore
import Testing

@testable import PlayhouseWorker

/// The email a notification makes, and the SMTP pieces that need no server.
@Suite struct EmailMessageTests {
    /// Undoes quoted-printable, as a mail reader does.
    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.replacing("=\r\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), index + 2 < input.count,
                let value = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func lines(_ text: String) -> [Substring] { text.split(separator: "\r\n", omittingEmptySubsequences: false) }

    @Test func quotedPrintableKeepsLinesShortAndDecodesBack() {
        let text = String(repeating: "long line of wörds = and more ", count: 20) + " \n.starts with a dot\ttab \r\nend"
        let encoded = MIMEEncoding.quotedPrintable(text)
        #expect(Self.lines(encoded).allSatisfy { $0.utf8.count <= 76 })
        #expect(encoded.utf8.allSatisfy { $0 < 128 }, "7-bit")
        #expect(!encoded.replacing("\r\n", with: "").contains("\n") && !encoded.replacing("\r\n", with: "").contains("\r"))
        #expect(encoded.contains("=C3=B6") && encoded.contains("=3D"))
        #expect(encoded.contains("\r\n=2Estarts with a dot=09tab=20\r\n"), "a leading dot, a tab and a trailing space are encoded")
        #expect(Self.decodeQuotedPrintable(encoded) == text.replacing("\r\n", with: "\n").replacing("\n", with: "\r\n") + "\r\n")
    }

    @Test func dotStuffingDoublesALeadingDotOnEveryLine() {
        #expect(
            SMTPClient.dotStuffed(".\r\nplain\r\n..two\r\n. space\r\nmid.dle\r\n") == "..\r\nplain\r\n...two\r\n.. space\r\nmid.dle\r\n")
        #expect(SMTPClient.dotStuffed("no end") == "no end\r\n", "the terminator always starts a line")
        #expect(SMTPClient.dotStuffed("bare\n.lf") == "bare\r\n..lf\r\n")
    }

    @Test func aHeaderValueCannotStartAnotherHeader() {
        #expect(MIMEEncoding.headerText("Playhouse job #1 a/b.yml failed") == "Playhouse job #1 a/b.yml failed")
        #expect(MIMEEncoding.headerText("x\r\nBcc: evil@example.com") == "x  Bcc: evil@example.com")
        let encoded = MIMEEncoding.headerText(String(repeating: "déploiement échoué ", count: 8) + "\r\nBcc: x")
        let lines = Self.lines(encoded)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 76 && $0.utf8.allSatisfy { $0 < 128 } })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" =?UTF-8?B?") }, "folded: every further line starts with a space")
        #expect(MIMEEncoding.headerText("=?UTF-8?B?ZXZpbA==?=").hasPrefix("=?UTF-8?B?"), "text that looks encoded is encoded")
    }

    @Test func aRenderedMessageHasItsHeadersAndTwoPartsOfShortCRLFLines() throws {
        let to = try (1...20).map { try EmailAddress("someone.with.a.long.name\($0)@department.example.com") }
        let message = EmailMessage(
            from: try EmailAddress("playhouse@example.com"), to: to, subject: "Playhouse job #7 a/b.yml failed\r\nBcc: evil@example.com",
            text: String(repeating: "x", count: 3000) + "\n.", html: "<p>" + String(repeating: "é", count: 2000) + "</p>",
            date: Date(timeIntervalSince1970: 1_796_029_500))
        let rendered = message.rendered
        let lines = Self.lines(rendered)
        #expect(lines.allSatisfy { $0.utf8.count <= 998 && !$0.contains("\n") && !$0.contains("\r") })
        let headerLines = lines.prefix { !$0.isEmpty }
        let names = headerLines.filter { !$0.hasPrefix(" ") }.map { $0.prefix { $0 != ":" } }
        #expect(names == ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type"])
        #expect(headerLines.contains("Date: Mon, 30 Nov 2026 09:05:00 +0000"))
        #expect(headerLines.contains("From: Playhouse <playhouse@example.com>"))
        #expect(headerLines.contains("Subject: Playhouse job #7 a/b.yml failed  Bcc: evil@example.com"))
        #expect(message.messageID.hasPrefix("<") && message.messageID.hasSuffix("@example.com>"))
        #expect(rendered.components(separatedBy: "Content-Transfer-Encoding: quoted-printable").count == 3)
        #expect(rendered.contains("Content-Type: text/plain; charset=utf-8") && rendered.contains("Content-Type: text/html; charset=utf-8"))
        #expect(rendered.hasSuffix("--\r\n"))
        #expect(!lines.contains("."), "no line ends the DATA early, even before dot-stuffing")
    }

    @Test func repliesAreReadOneLineAtATime() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.take("250-mail.example.com greets you") == nil)
        #expect(try parser.take("250-STARTTLS") == nil)
        #expect(try parser.take("250-AUTH PLAIN LOGIN") == nil)
        let reply = try #require(try parser.take("250 SIZE 1000"))
        #expect(reply.code == 250 && reply.offers("STARTTLS") && reply.offers("SIZE") && !reply.offers("PIPELINING"))
        #expect(reply.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(try parser.take("221") == SMTPReply(code: 221, lines: [""]))
        #expect(throws: SMTPReplyError.self) { try parser.take("HTTP/1.1 400 Bad Request") }
        var mixed = SMTPReplyParser()
        _ = try mixed.take("250-one")
        #expect(throws: SMTPReplyError.self) { try mixed.take("550 two") }
        #expect(SMTPReply(code: 535, lines: ["5.7.8 Authentication", "failed"]).description == "535 5.7.8 Authentication / failed")
    }

    @Test func theSMTPURLIsReadStrictlyAndNeverShowsThePassword() throws {
        let startTLS = try SMTPConfiguration(url: "smtp://ops%40example.com@mail.example.com", password: "pw", from: "p@example.com")
        #expect(startTLS.security == .startTLS && startTLS.port == 587 && startTLS.username == "ops@example.com")
        #expect(startTLS.description == "smtp://ops@example.com@mail.example.com:587 (STARTTLS)")
        #expect(!"\(startTLS)".contains("pw") && !String(reflecting: startTLS).contains("\"pw\""))
        #expect(try SMTPConfiguration(url: "smtps://u@[::1]", password: "pw", from: "p@example.com").port == 465)
        let relay = try SMTPConfiguration(url: "smtp://localhost?tls=none", password: nil, from: "p@example.com")
        #expect(relay.security == .none && relay.port == 25 && relay.username == nil)

        func refusal(_ url: String, password: String? = "pw", from: String = "p@example.com", ca: String? = nil) -> String {
            do throws(ValidationError) {
                _ = try SMTPConfiguration(url: url, password: password, from: from, trustedCertificates: ca)
                return "accepted"
            } catch {
                return error.message
            }
        }
        #expect(refusal("smtp://u:pw@host").contains("holds a password"))
        #expect(refusal("smtp://u@host?tls=none").contains("takes no user"))
        #expect(refusal("smtps://u@host?tls=none").contains("only ?tls=none, and only with smtp://"))
        #expect(refusal("smtp://u@host?tls=off").contains("only ?tls=none"))
        #expect(refusal("smtp://u@host", password: nil).contains("no password was given"))
        #expect(refusal("smtp://host").contains("names no user"))
        #expect(refusal("smtp://u@host", password: "").contains("empty"))
        #expect(refusal("http://host").contains("is not an SMTP URL"))
        #expect(refusal("smtp://u@host", from: "Playhouse <p@example.com>").contains("is not an email address"))
        #expect(refusal("smtp://u@host", ca: "/nonexistent.pem").contains("cannot read certificates"))
    }
}
