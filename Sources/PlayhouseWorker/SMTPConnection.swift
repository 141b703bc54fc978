import NIOCore
import NIOSSL
import NIOTLS

/// The wire of one SMTP conversation: commands out, replies in, each exchange within a
/// time limit, and the switch to TLS after STARTTLS. Used by one task, inside the async
/// channel's `executeThenClose`.
struct SMTPConnection {
    /// Bytes of one reply line (RFC 5321 allows 512); past it the server is refused.
    static let maxLineBytes = 8192

    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let timeout: Duration
    /// When the whole conversation must be over.
    private let deadline: ContinuousClock.Instant
    private var received = ByteBuffer()
    private var parser = SMTPReplyParser()
    /// Whether what is sent now travels in TLS.
    private(set) var encrypted: Bool

    init(
        channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        timeout: Duration, deadline: ContinuousClock.Instant, encrypted: Bool
    ) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.timeout = timeout
        self.deadline = deadline
        self.encrypted = encrypted
    }

    /// Sends `command` (nothing for the greeting) and returns the server's reply. Past the
    /// time limit (of the answer, or of the whole conversation) the connection is closed
    /// and the step fails; so does a connection that breaks or a reply that is no SMTP.
    /// The error never repeats the command.
    mutating func exchange(_ step: SMTPError.Step, _ command: String?) async throws(SMTPError) -> SMTPReply {
        let remaining = ContinuousClock.now.duration(to: deadline)
        let limit = min(timeout, remaining)
        let waited =
            limit < timeout
            ? "the conversation took longer than the \(Self.seconds(timeout + timeout / 2)) it may take"
            : "the server did not answer within \(Self.seconds(timeout))"
        guard limit > .zero else { throw SMTPError(step, waited) }
        let timedOut = Flag()
        let channel = channel
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(limit)) {
            timedOut.set()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            if let command { try await outbound.write(ByteBuffer(string: command)) }
            while true {
                while let line = try nextLine() {
                    if let reply = try parser.take(line) { return reply }
                }
                guard var chunk = try await inbound.next() else {
                    throw SMTPError(step, timedOut.isSet ? waited : "the server closed the connection")
                }
                received.writeBuffer(&chunk)
            }
        } catch let error as SMTPError {
            throw error
        } catch let error as SMTPReplyError {
            throw SMTPError(step, error.description)
        } catch {
            throw SMTPError(step, timedOut.isSet ? waited : "the connection failed: \(error)")
        }
    }

    private static func seconds(_ duration: Duration) -> String { "\(duration.components.seconds) s" }

    /// The next whole line received, without its line end; nil until one has come.
    private mutating func nextLine() throws(SMTPReplyError) -> String? {
        guard let end = received.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            guard received.readableBytes <= Self.maxLineBytes else {
                throw SMTPReplyError("the server sent a line longer than \(Self.maxLineBytes) bytes")
            }
            return nil
        }
        let length = end - received.readerIndex
        guard length <= Self.maxLineBytes, var line = received.readString(length: length + 1) else {
            throw SMTPReplyError("the server sent a line longer than \(Self.maxLineBytes) bytes")
        }
        line.removeLast()
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }

    /// Puts TLS under the conversation, after the server agreed to STARTTLS, and waits for
    /// the handshake (within the time limit of an answer), so a certificate that is not
    /// trusted is reported as such before anything else is sent. Bytes the server sent
    /// before the handshake would be read as if they came over TLS, so a server that sent
    /// any is refused.
    mutating func startTLS(_ context: NIOSSLContext, serverHostname: String?) async throws(SMTPError) {
        guard received.readableBytes == 0 else {
            throw SMTPError(.startTLS, "the server sent more after agreeing to STARTTLS (a sign of tampering); nothing more is sent")
        }
        let channel = channel
        let timeout = timeout
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            handshake.fail(SMTPError(.startTLS, "the TLS handshake did not end within \(Self.seconds(timeout))"))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await channel.eventLoop.submit {
                let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
                try channel.pipeline.syncOperations.addHandler(TLSHandshakeWatch(done: handshake), position: .after(tls))
            }.get()
            try await handshake.futureResult.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(.startTLS, "TLS failed: \(error)")
        }
        encrypted = true
    }

    /// Says goodbye, not waiting long for the answer: the message is already sent.
    mutating func quit() async {
        _ = try? await exchange(.quit, "QUIT\r\n")
    }
}

/// Completes `done` when the TLS handshake in front of it ends: with success, with the
/// handshake's error, or with the connection closed under it. Everything passes on.
private final class TLSHandshakeWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) {
        self.done = done
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { done.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(SMTPError(.startTLS, "the server closed the connection during the TLS handshake"))
        context.fireChannelInactive()
    }
}
