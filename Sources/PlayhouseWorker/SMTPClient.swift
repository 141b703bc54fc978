import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PlayhouseCore

/// Hands messages to one SMTP server (RFC 5321), a connection per message: EHLO, STARTTLS
/// and EHLO again (or TLS from the start), AUTH PLAIN or LOGIN only inside TLS, MAIL FROM,
/// RCPT TO, DATA with dot-stuffing, QUIT. Every failure is an ``SMTPError`` naming its step
/// and the server's reply.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration

    public init(configuration: SMTPConfiguration) {
        self.configuration = configuration
    }

    /// Sends `message` to its `to` addresses; returns the server's acceptance of it (250).
    @discardableResult
    public func send(_ message: EmailMessage) async throws(SMTPError) -> SMTPReply {
        let configuration = configuration
        // The whole conversation, connecting included, gets one and a half times an
        // answer's limit: with the notifier's 60 s hold on a delivery and the 30 s default,
        // no other process takes the delivery up while this one may still send it.
        let deadline = ContinuousClock.now + configuration.timeout + configuration.timeout / 2
        let tls = configuration.tls
        let serverHostname = configuration.hostIsAddress ? nil : configuration.host
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(configuration.timeout))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if configuration.security == .implicitTLS, let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                        }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError(.connect, "could not connect to \(configuration.host) port \(configuration.port): \(error)")
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var connection = SMTPConnection(
                    channel: channel.channel, inbound: inbound, outbound: outbound, timeout: configuration.timeout,
                    deadline: deadline, encrypted: configuration.security == .implicitTLS)
                return try await Self.converse(&connection, configuration, message)
            }
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(.connect, "the connection failed: \(error)")
        }
    }

    private static func converse(
        _ connection: inout SMTPConnection, _ configuration: SMTPConfiguration, _ message: EmailMessage
    ) async throws(SMTPError) -> SMTPReply {
        try expect(220, .greeting, await connection.exchange(.greeting, nil))
        var features = try expect(250, .ehlo, await connection.exchange(.ehlo, "EHLO \(configuration.clientName)\r\n"))
        if configuration.security == .startTLS, let tls = configuration.tls {
            guard features.offers("STARTTLS") else {
                throw SMTPError(
                    .startTLS,
                    "the server does not offer STARTTLS, and an smtp:// server gets nothing in clear: "
                        + "no password, no message (a relay without TLS is smtp://host:25?tls=none, without a user)")
            }
            try expect(220, .startTLS, await connection.exchange(.startTLS, "STARTTLS\r\n"))
            try await connection.startTLS(tls, serverHostname: configuration.hostIsAddress ? nil : configuration.host)
            features = try expect(250, .ehlo, await connection.exchange(.ehlo, "EHLO \(configuration.clientName)\r\n"))
        }
        if let username = configuration.username, let password = configuration.password {
            guard connection.encrypted else { throw SMTPError(.auth, "a password is never sent without TLS") }
            try await authenticate(&connection, username, password.text, offered: features.authMechanisms)
        }
        try expect(250, .mailFrom, await connection.exchange(.mailFrom, "MAIL FROM:<\(configuration.from)>\r\n"))
        for address in message.to {
            let reply = try await connection.exchange(.rcptTo, "RCPT TO:<\(address)>\r\n")
            guard reply.code == 250 || reply.code == 251 else {
                throw SMTPError(.rcptTo, "\(address) was refused: the server answered \(reply)", reply: reply)
            }
        }
        try expect(354, .data, await connection.exchange(.data, "DATA\r\n"))
        let accepted = try expect(250, .message, await connection.exchange(.message, dotStuffed(message.rendered) + ".\r\n"))
        await connection.quit()
        return accepted
    }

    /// AUTH PLAIN when offered, else LOGIN; a refusal's reply is told without anything
    /// that was sent for the password, should the server repeat it.
    private static func authenticate(
        _ connection: inout SMTPConnection, _ username: String, _ password: String, offered: Set<String>
    ) async throws(SMTPError) {
        let secrets = [password, base64(password), base64("\0\(username)\0\(password)")]
        do throws(SMTPError) {
            if offered.contains("PLAIN") {
                try expect(235, .auth, await connection.exchange(.auth, "AUTH PLAIN \(base64("\0\(username)\0\(password)"))\r\n"))
            } else if offered.contains("LOGIN") {
                try expect(334, .auth, await connection.exchange(.auth, "AUTH LOGIN\r\n"))
                try expect(334, .auth, await connection.exchange(.auth, base64(username) + "\r\n"))
                try expect(235, .auth, await connection.exchange(.auth, base64(password) + "\r\n"))
            } else {
                let what = offered.isEmpty ? "no AUTH at all" : "only AUTH " + offered.sorted().joined(separator: " ")
                throw SMTPError(.auth, "the server offers \(what); Playhouse signs in with PLAIN or LOGIN")
            }
        } catch {
            var redacted = error
            redacted.reply = error.reply.map { $0.redacting(secrets) }
            redacted.reason = secrets.reduce(error.reason) { $0.replacing($1, with: "…") }
            throw redacted
        }
    }

    /// `reply` if it has `code`; else the step was refused.
    @discardableResult
    private static func expect(_ code: Int, _ step: SMTPError.Step, _ reply: SMTPReply) throws(SMTPError) -> SMTPReply {
        guard reply.code == code else { throw SMTPError.refused(step, reply) }
        return reply
    }

    /// `message` as DATA carries it (RFC 5321 4.5.2): a dot opening a line doubled, every
    /// line ended by CRLF, so only the terminator that follows is a line of one dot.
    static func dotStuffed(_ message: String) -> String {
        var lines = MIMEEncoding.lines(message)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { ($0.hasPrefix(".") ? "." : "") + $0 + "\r\n" }.joined()
    }

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
}

extension SMTPReply {
    /// The reply with each of `secrets` in its text made "…".
    func redacting(_ secrets: [String]) -> SMTPReply {
        SMTPReply(code: code, lines: lines.map { line in secrets.reduce(line) { $0.replacing($1, with: "…") } })
    }
}
