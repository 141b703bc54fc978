import Foundation
import NIOCore
import NIOSSL
import PlayhouseCore

/// The SMTP server email notifications go through, from `--smtp-url` and its companions:
/// `smtp://user@host:587` (STARTTLS, required), `smtps://user@host:465` (TLS from the first
/// byte), or `smtp://host:25?tls=none` (a local relay without TLS, which then takes no
/// password). Its description names the server and never the password.
public struct SMTPConfiguration: Sendable, CustomStringConvertible {
    /// How the connection is protected.
    public enum Security: String, Sendable {
        /// Plain at first, then TLS after `STARTTLS`: a server that does not offer it is refused.
        case startTLS = "STARTTLS"
        /// TLS from the first byte (`smtps`).
        case implicitTLS = "TLS"
        /// No TLS at all: only for a relay on the same machine or network, and without a password.
        case none = "no TLS"
    }

    public var host: String
    public var port: Int
    public var security: Security
    /// Who signs in (AUTH PLAIN or LOGIN); nil to send without signing in.
    public var username: String?
    let password: SMTPPassword?
    /// The envelope sender and the `From:` of every message.
    public var from: EmailAddress
    /// The TLS of the connection: the system's trusted CAs and any given.
    let tls: NIOSSLContext?
    /// How long the server may take to connect, and to answer each command.
    public var timeout: Duration
    /// The name Playhouse gives in EHLO: this machine's name when it is a host name.
    public var clientName: String

    /// Reads `url`; `password` is the one `--smtp-password-file` or `PLAYHOUSE_SMTP_PASSWORD`
    /// gave, `trustedCertificates` a PEM file of CAs to trust besides the system's.
    public init(
        url: String, password: String?, from: String, trustedCertificates: String? = nil, timeout: Duration = .seconds(30)
    ) throws(ValidationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            ["smtp", "smtps"].contains(scheme), let host = components.host, !host.isEmpty
        else {
            throw ValidationError("\"\(url)\" is not an SMTP URL: smtp://user@host:587, smtps://user@host:465 or smtp://host:25?tls=none")
        }
        guard components.percentEncodedPassword == nil else {
            throw ValidationError("the SMTP URL holds a password: give it in --smtp-password-file or PLAYHOUSE_SMTP_PASSWORD instead")
        }
        guard components.path.isEmpty || components.path == "/", components.fragment == nil else {
            throw ValidationError("an SMTP URL has no path: smtp://user@host:587")
        }
        let query = components.queryItems ?? []
        let plain = query.contains { $0.name == "tls" && $0.value == "none" }
        guard query.allSatisfy({ $0.name == "tls" && $0.value == "none" }), !(plain && scheme == "smtps") else {
            throw ValidationError("an SMTP URL takes only ?tls=none, and only with smtp://")
        }
        security = scheme == "smtps" ? .implicitTLS : plain ? .none : .startTLS
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (scheme == "smtps" ? 465 : plain ? 25 : 587)
        guard (1...65535).contains(port) else { throw ValidationError("the SMTP port must be 1 to 65535") }
        username = components.user.flatMap { $0.isEmpty ? nil : $0 }
        guard password?.isEmpty != true else { throw ValidationError("the SMTP password is empty") }
        switch (username, password) {
        case (.some(let user), nil):
            throw ValidationError(
                "the SMTP URL names user \(user) but no password was given: --smtp-password-file or PLAYHOUSE_SMTP_PASSWORD")
        case (nil, .some):
            throw ValidationError("an SMTP password was given but the URL names no user: smtp://user@host:587")
        case (.some, .some) where security == .none:
            throw ValidationError("a password does not cross the network in clear: a relay with ?tls=none takes no user")
        default:
            break
        }
        self.password = password.map(SMTPPassword.init)
        self.from = try EmailAddress(from)
        self.timeout = timeout
        clientName = Self.clientName(ProcessInfo.processInfo.hostName)
        tls = security == .none ? nil : try Self.tlsContext(trustedCertificates)
    }

    /// A client context that checks the server's certificate and name: against the system's
    /// CAs, and those of `file` when given.
    private static func tlsContext(_ file: String?) throws(ValidationError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let file {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(file)
            } catch {
                throw ValidationError("cannot read certificates (PEM) from \(file): \(error)")
            }
            guard !certificates.isEmpty else { throw ValidationError("\(file) holds no PEM certificate") }
            configuration.additionalTrustRoots = [.certificates(certificates)]
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ValidationError("cannot set up TLS for SMTP: \(error)")
        }
    }

    /// `name` when it is a host name; otherwise `localhost` (EHLO wants a domain).
    static func clientName(_ name: String) -> String {
        let valid =
            !name.isEmpty && name.count <= 253
            && name.utf8.allSatisfy { byte in
                byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
            }
        return valid ? name : "localhost"
    }

    /// Whether `host` is an IP address (then the certificate must name that address; no SNI is sent).
    var hostIsAddress: Bool { (try? SocketAddress(ipAddress: host, port: 0)) != nil }

    public var description: String {
        let user = username.map { "\($0)@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(security == .implicitTLS ? "smtps" : "smtp")://\(user)\(shownHost):\(port) (\(security.rawValue))"
    }
}

/// The SMTP password: kept out of every description, dump and log of what holds it.
struct SMTPPassword: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let text: String

    init(_ text: String) { self.text = text }

    var description: String { "(hidden)" }
    var debugDescription: String { "(hidden)" }
    var customMirror: Mirror { Mirror(self, children: []) }
}
