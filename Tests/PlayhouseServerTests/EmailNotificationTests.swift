import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import PlayhouseWorker
import Testing

/// Email notifications end to end: real jobs, a real SMTP server (aiosmtpd, with STARTTLS
/// and a sign-in) on loopback, and what it received read back.
@Suite struct EmailNotificationTests {
    static let from = "playhouse@example.com"
    static let site = try! WebOrigin("https://playhouse.example.com")

    /// `--smtp-url smtp://USER@127.0.0.1:PORT` with `password`, trusting the server's certificate.
    static func smtp(_ server: SMTPTestServer, user: String = "playhouse", password: String = "s3cret-pass") throws -> SMTPConfiguration {
        try SMTPConfiguration(
            url: "smtp://\(user)@127.0.0.1:\(server.port)", password: password, from: from, trustedCertificates: server.certificate,
            timeout: .seconds(20))
    }

    /// Creates an email target for `events` and returns its id.
    static func target(_ client: any TestClientProtocol, events: String) async throws -> Int {
        let created = try await client.json(
            .post, "/api/v1/notifications",
            body: #"{"name":"mail","url":"mailto:ops@example.com, dev@example.com","format":"email","events":\#(events)}"#)
        #expect(created.status == .created, "\(created.json.jsonString())")
        #expect(created.json["format"] == .string("email"))
        return try #require(created.json["id"]?.intValue)
    }

    /// The target's deliveries once one of them has an attempt.
    static func attemptedDeliveries(_ client: any TestClientProtocol, _ target: Int) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if case .array(let deliveries)? = try await client.json(.get, "/api/v1/notifications/\(target)/deliveries").json["deliveries"],
                deliveries.contains(where: { ($0["attempts"]?.intValue ?? 0) > 0 })
            {
                return deliveries
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("no delivery of target \(target) was attempted")
    }

    @Test func aFailedJobIsMailedOverSTARTTLSWithBothPartsItsRecapAndItsLink() async throws {
        try await SMTPTestServer.with(tls: .startTLS) { server in
            let smtp = try Self.smtp(server)
            try await ServerFixture.with(publicURL: Self.site, smtp: smtp) { client, _ in
                let template = try await client.json(
                    .post, "/api/v1/templates",
                    body:
                        #"{"name":"Deploy <b>site</b> & \"co\"","project":"demo","playbook":"fail.yml","#
                        + #""inventory":"inventory/local.ini","limit":"web1,web2"}"#)
                let templateID = try #require(template.json["id"]?.intValue, "\(template.json.jsonString())")
                let target = try await Self.target(client, events: #"["failed"]"#)
                let launched = try await client.json(.post, "/api/v1/templates/\(templateID)/launch")
                let jobID = try #require(launched.json["id"]?.intValue, "\(launched.json.jsonString())")
                #expect(try await client.waitForEnd(Int64(jobID))["status"] == .string("failed"))

                let message = try #require(try await server.waitForMessages(1).first)
                #expect(message["mail_from"] == .string(Self.from))
                #expect(message["rcpt_tos"] == .array([.string("ops@example.com"), .string("dev@example.com")]))
                #expect(message["tls"] == .bool(true), "sent after STARTTLS")
                #expect(message["login"] == .string("playhouse"), "signed in")
                let headers = try #require(message["headers"])
                #expect(headers["Subject"] == .string("Playhouse job #\(jobID) demo/fail.yml failed"))
                #expect(headers["From"] == .string("Playhouse <\(Self.from)>"))
                #expect(headers["To"] == .string("ops@example.com, dev@example.com"))
                #expect(headers["MIME-Version"] == .string("1.0"))
                #expect(headers["Message-ID"]?.stringValue?.hasSuffix("@example.com>") == true)
                #expect(headers["Date"]?.stringValue?.hasSuffix("+0000") == true)
                #expect(message["content_type"] == .string("multipart/alternative"))

                let link = "https://playhouse.example.com/jobs/\(jobID)"
                let text = try #require(message["text"]?.stringValue)
                for expected in [
                    "Status:", "failed", "Project:", "demo", "Playbook:", "fail.yml", "Launched by:", "admin",
                    #"Deploy <b>site</b> & "co" (#\#(templateID))"#, "Host recap:", link,
                ] {
                    #expect(text.contains(expected), "the text part lacks \(expected): \(text)")
                }
                let recap = text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("  web") }
                #expect(
                    recap.map { $0.split(separator: " ") } == [["web1", "1", "0", "1", "0"], ["web2", "1", "0", "1", "0"]], "\(text)")

                let html = try #require(message["html"]?.stringValue)
                #expect(html.contains("Deploy &lt;b&gt;site&lt;/b&gt; &amp; &quot;co&quot;"), "\(html)")
                #expect(!html.contains("<b>site</b>"), "a job's values are escaped in the HTML")
                #expect(html.contains(#"<a href="\#(link)">"#))
                #expect(html.contains("<td>web1</td>") && html.contains("<td>web2</td>"))

                let raw = try #require(server.rawMessages().first)
                #expect(raw.utf8.split(separator: UInt8(ascii: "\n")).allSatisfy { $0.count <= 999 }, "lines of at most 998 bytes and CR")
                #expect(!raw.replacing("\r\n", with: "").contains("\n"), "every line ends in CRLF")

                let deliveries = try await Self.attemptedDeliveries(client, target)
                #expect(deliveries.count == 1, "the target wants failures only")
                #expect(deliveries.first?["status"] == .string("delivered"))
                #expect(deliveries.first?["response_status"] == .number(250), "the SMTP reply code")
            }
        }
    }

    @Test func aWrongPasswordFailsTheDeliveryReadablyWithoutThePassword() async throws {
        try await SMTPTestServer.with(tls: .startTLS) { server in
            let wrong = "Wr0ng-Secret-9"
            let smtp = try Self.smtp(server, password: wrong)
            try await ServerFixture.with(smtp: smtp) { client, _ in
                let target = try await Self.target(client, events: #"["succeeded"]"#)
                let job = try await client.launch(
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
                _ = try await client.waitForEnd(job)
                let delivery = try #require(try await Self.attemptedDeliveries(client, target).first)
                let error = try #require(delivery["last_error"]?.stringValue)
                #expect(error.contains("AUTH: refused: the server answered 535"), "\(error)")
                #expect(error.contains("127.0.0.1 port \(server.port)"), "\(error)")
                for secret in [wrong, Data(wrong.utf8).base64EncodedString(), Data("\0playhouse\0\(wrong)".utf8).base64EncodedString()] {
                    #expect(!delivery.jsonString().contains(secret), "the password shows nowhere")
                }
                #expect(delivery["response_status"] == .number(535))
                #expect(delivery["status"] != .string("delivered"))
                // Retries may have come since: each is refused alike.
                #expect(!server.authAttempts().isEmpty && server.authAttempts().allSatisfy { $0 == "PLAIN playhouse refused" })
                #expect(server.messages().isEmpty)
            }
        }
    }

    @Test func aServerWithoutSTARTTLSIsRefusedBeforeAnyPasswordOrMessage() async throws {
        // It would take AUTH in clear: a client that sent the password would be logged.
        try await SMTPTestServer.with(tls: .none) { server in
            let smtp = try Self.smtp(server)
            try await ServerFixture.with(smtp: smtp) { client, _ in
                let target = try await Self.target(client, events: #"["succeeded"]"#)
                let job = try await client.launch(
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
                _ = try await client.waitForEnd(job)
                let delivery = try #require(try await Self.attemptedDeliveries(client, target).first)
                let error = try #require(delivery["last_error"]?.stringValue)
                #expect(error.contains("STARTTLS: the server does not offer STARTTLS"), "\(error)")
                #expect(delivery["response_status"] == .null)
                #expect(server.authAttempts().isEmpty, "no credentials were sent")
                #expect(server.messages().isEmpty)
            }
        }
    }

    @Test func withoutAnSMTPServerTheEmailWaitsAndTheDeliveryLogSaysWhy() async throws {
        try await ServerFixture.with { client, _ in
            let target = try await Self.target(client, events: #"["succeeded"]"#)
            let job = try await client.launch(
                #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
            _ = try await client.waitForEnd(job)
            var delivery: JSONValue? = nil
            let deadline = ContinuousClock.now + .seconds(60)
            while delivery == nil, ContinuousClock.now < deadline {
                let answer = try await client.json(.get, "/api/v1/notifications/\(target)/deliveries").json
                if case .array(let deliveries)? = answer["deliveries"] {
                    delivery = deliveries.first { $0["last_error"]?.stringValue != nil }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let waiting = try #require(delivery, "the delivery log should say why the email waits")
            #expect(waiting["last_error"] == .string("no SMTP server is configured: start Playhouse with --smtp-url"))
            // Kept for a process that can send it: no attempt is used up.
            #expect(waiting["status"] == .string("pending"))
            #expect(waiting["attempts"] == .number(0))
        }
    }

    @Test func badMailtoURLsAreRefused() async throws {
        try await ServerFixture.with { client, _ in
            let many = (1...21).map { "u\($0)@example.com" }.joined(separator: ",")
            let refused: [(url: String, format: String, says: String)] = [
                ("mailto:", "email", #"\"\" is not an email address"#),
                ("mailto:ops@example.com%0D%0ABcc:evil@example.com", "email", "is not an email address"),
                (#"mailto:ops@example.com\r\nBcc: evil@example.com"#, "email", "is not an email address"),
                ("mailto:Ops <ops@example.com>", "email", "is not an email address"),
                ("mailto:ops@example.com?subject=hi", "email", "without ?subject="),
                ("mailto:ops@-example-.com", "email", "is not an email address"),
                (#"mailto:\"quoted\"@example.com"#, "email", "is not an email address"),
                ("mailto:ops@example.com,,dev@example.com", "email", "is not an email address"),
                ("mailto:ops@example.com%zz", "email", "broken percent escape"),
                ("mailto:" + many, "email", "1 to 20 addresses"),
                ("https://hooks.example/x", "email", "an email target's url is mailto:"),
                ("mailto:ops@example.com", "json", #"a mailto: url needs \"format\": \"email\""#),
                ("mailto:ops@example.com", "fax", "format must be json, slack or email"),
            ]
            for (url, format, says) in refused {
                let answer = try await client.json(
                    .post, "/api/v1/notifications", body: #"{"name":"m","url":"\#(url)","format":"\#(format)"}"#)
                #expect(answer.status == .badRequest, "\(url) as \(format)")
                #expect(answer.json.jsonString().contains(says), "\(url) as \(format): \(answer.json.jsonString())")
            }
            let listed = try await client.json(.get, "/api/v1/notifications").json
            #expect(listed["notifications"] == .array([]), "nothing refused was stored")
        }
    }
}
