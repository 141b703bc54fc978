import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import PlayhouseWorker
import Testing

/// The SMTP client against a real server (aiosmtpd) on loopback, without a job around it.
@Suite struct SMTPClientTests {
    static let from = "playhouse@example.com"

    @Test func implicitTLSAndAuthLogin() async throws {
        try await SMTPTestServer.with(tls: .implicit, mechanisms: ["LOGIN"]) { server in
            let smtp = try SMTPConfiguration(
                url: "smtps://playhouse@localhost:\(server.port)", password: "s3cret-pass", from: Self.from,
                trustedCertificates: server.certificate)
            let message = EmailMessage(
                from: smtp.from, to: [try EmailAddress("ops@example.com")], subject: "Grüße\r\nBcc: evil@example.com",
                text: ".\n..leading dots\nä", html: "<p>hi</p>")
            let reply = try await SMTPClient(configuration: smtp).send(message)
            #expect(reply.code == 250)
            let received = try #require(try await server.waitForMessages(1).first)
            #expect(received["login"] == .string("playhouse"))
            #expect(server.authAttempts() == ["LOGIN playhouse ok"])
            #expect(received["rcpt_tos"] == .array([.string("ops@example.com")]), "no Bcc from the subject")
            #expect(received["headers"]?["Subject"] == .string("Grüße  Bcc: evil@example.com"))
            #expect(received["headers"]?["Bcc"] == nil)
            #expect(received["text"] == .string(".\r\n..leading dots\r\nä"), "dots survive the stuffing")
        }
    }

    @Test func anUntrustedCertificateEndsTheConversationBeforeAUTH() async throws {
        try await SMTPTestServer.with(tls: .startTLS) { server in
            let smtp = try SMTPConfiguration(url: "smtp://playhouse@127.0.0.1:\(server.port)", password: "s3cret-pass", from: Self.from)
            let message = EmailMessage(from: smtp.from, to: [try EmailAddress("ops@example.com")], subject: "s", text: "t", html: "h")
            let error = await #expect(throws: SMTPError.self) { try await SMTPClient(configuration: smtp).send(message) }
            #expect(error?.step == .startTLS, "\(String(describing: error))")
            #expect(error?.description.contains("TLS failed") == true, "\(String(describing: error))")
            #expect(error?.description.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(String(describing: error))")
            #expect(server.authAttempts().isEmpty)
            #expect(server.messages().isEmpty)
        }
    }
}
