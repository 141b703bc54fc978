import Foundation
import Hummingbird
import HummingbirdAuth
import NIOCore
import PlayhouseCore

/// The request context of every route: the signed-in identity, if any, and where the
/// request came from (for the audit log).
public struct PlayhouseContext: AuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?
    /// The client's IP address: the connection's, or behind a trusted proxy the one it
    /// forwarded (`ForwardedForMiddleware`).
    public var remoteAddress: String?
    /// The address and port of this server the request came in on.
    public let localAddress: String?
    public let localPort: Int?

    /// Bodies are decoded strictly into their request types; answers are written by the
    /// API's one encoder.
    public var requestDecoder: RequestBodyDecoder { RequestBodyDecoder() }
    public var responseEncoder: JSONEncoder { .api }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
        localAddress = source.channel.localAddress?.ipAddress
        localPort = source.channel.localAddress?.port
    }

    /// The signed-in identity; a 401 when there is none (the role gates make that rare).
    func requireUser() throws -> Identity {
        guard let identity else { throw APIError.signInRequired }
        return identity
    }
}

/// Who is making a request: the user, what their grants reach, and how they signed in.
public struct Identity: Sendable, RoleProviding {
    public var user: User
    public var access: Access
    /// The session's CSRF token; nil for API tokens, which need none.
    public var csrfToken: String?
    /// A session of a user whom `--require-2fa` holds to a second factor they have not set
    /// up yet: it may do nothing else until they do (``SecondFactorGate``).
    public var needsSecondFactor = false

    public var roles: Set<Role> { user.role.included }
}
