/// An email that could not be handed to the SMTP server: the step it stopped at, why, and
/// the server's reply when there was one. It never holds the password, nor anything sent
/// for it.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    /// The parts of one SMTP conversation, in order.
    public enum Step: String, Sendable {
        case connect = "connecting"
        case greeting = "the greeting"
        case ehlo = "EHLO"
        case startTLS = "STARTTLS"
        case auth = "AUTH"
        case mailFrom = "MAIL FROM"
        case rcptTo = "RCPT TO"
        case data = "DATA"
        case message = "the message"
        case quit = "QUIT"
    }

    public var step: Step
    /// The server's reply, when the step ended with one it should not have.
    public var reply: SMTPReply?
    public var reason: String

    init(_ step: Step, _ reason: String, reply: SMTPReply? = nil) {
        self.step = step
        self.reason = reason
        self.reply = reply
    }

    /// The server answered `reply` where the step wanted another code.
    static func refused(_ step: Step, _ reply: SMTPReply) -> SMTPError {
        SMTPError(step, "refused: the server answered \(reply)", reply: reply)
    }

    public var description: String { "\(step.rawValue): \(reason)" }
}
