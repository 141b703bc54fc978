import Hummingbird
import NIOCore
import PlayhouseCore

/// The names this server answers to, and the origins its own pages have.
///
/// With a public URL (`--public-url`), its host and origin, as a proxy in front passes
/// them on. Always, reached directly: a loopback name or address (`localhost`,
/// `*.localhost`, `127.0.0.0/8`, `::1`) or the address the request arrived at. A
/// hostname of any other site is refused: a page of that site whose name an attacker
/// points at this server (DNS rebinding) gets nothing, not even `/api/v1/health`.
struct Site: Sendable {
    var publicURL: WebOrigin?
    /// Reached directly without a public URL, the pages come over HTTPS when session
    /// cookies are marked Secure (a TLS proxy in front).
    var secureCookies: Bool

    /// A `Host` header: the name, lowercased and without brackets or a trailing dot, and
    /// the port when it names one.
    struct Host {
        var name: String
        var port: Int?

        init?(_ text: String) {
            var name = Substring(text.lowercased())
            if name.hasPrefix("["), let close = name.firstIndex(of: "]") {
                let after = name[name.index(after: close)...]
                guard after.isEmpty || after.hasPrefix(":") else { return nil }
                if !after.isEmpty {
                    guard let port = Int(after.dropFirst()), (1...65535).contains(port) else { return nil }
                    self.port = port
                }
                name = name[name.index(after: name.startIndex)..<close]
            } else if let colon = name.firstIndex(of: ":"), !name[name.index(after: colon)...].contains(":") {
                guard let port = Int(name[name.index(after: colon)...]), (1...65535).contains(port) else { return nil }
                self.port = port
                name = name[..<colon]
            }
            if name.hasSuffix(".") { name = name.dropLast() }
            guard !name.isEmpty else { return nil }
            self.name = String(name)
        }
    }

    func serves(_ host: Host, localAddress: String?) -> Bool {
        if let publicURL, host.name == publicURL.host { return host.port.map { $0 == publicURL.port } ?? true }
        if host.name == "localhost" || host.name.hasSuffix(".localhost") { return true }
        // DNS rebinding always arrives with a name: an address literal is safe to answer
        // when it is a loopback address or the one the request came in on.
        guard let address = Self.ipAddress(host.name) else { return false }
        return address == "::1" || address.hasPrefix("127.") || address == localAddress.flatMap(Self.ipAddress)
    }

    /// True when `origin` is one of this site's: the public URL's, or (reached directly)
    /// the one the `Host` names, compared by scheme, host and port.
    func allows(origin text: String, host: Host?, localPort: Int?) -> Bool {
        guard let origin = try? WebOrigin(text) else { return false }
        if let publicURL {
            if origin == publicURL { return true }
            // Through the proxy, only the public origin: another port of its name is another site.
            if host?.name == publicURL.host { return false }
        }
        guard let host else { return false }
        let scheme = publicURL == nil && secureCookies ? "https" : "http"
        guard origin.scheme == scheme, origin.host == host.name else { return false }
        // A browser writes the port in Host unless it is the default; a client that leaves
        // it out may mean the port it connected to.
        let ports = host.port.map { [$0] } ?? [WebOrigin.defaultPort(of: scheme)] + (localPort.map { [$0] } ?? [])
        return ports.contains(origin.port)
    }

    /// The normal form of an IP address literal (IPv4 for an IPv4-mapped IPv6 address);
    /// nil for a name.
    static func ipAddress(_ text: String) -> String? {
        guard let address = try? SocketAddress(ipAddress: text, port: 0).ipAddress else { return nil }
        if address.hasPrefix("::ffff:"), let v4 = ipAddress(String(address.dropFirst(7))), !v4.contains(":") { return v4 }
        return address
    }
}

/// Refuses (421) a request whose `Host` names a site this server does not serve (see
/// ``Site``). A request without a `Host` (HTTP/1.0, a health probe) comes from no browser
/// and goes on.
struct HostCheckMiddleware: RouterMiddleware {
    typealias Context = PlayhouseContext

    let site: Site

    func handle(_ request: Request, context: PlayhouseContext, next: (Request, PlayhouseContext) async throws -> Response) async throws
        -> Response
    {
        guard let authority = request.head.authority else { return try await next(request, context) }
        guard let host = Site.Host(authority), site.serves(host, localAddress: context.localAddress) else {
            throw APIError(
                .misdirectedRequest, "this server does not answer to the host \"\(authority.prefix(200))\"",
                detail: site.publicURL.map { "reach Playhouse at \($0)" }
                    ?? "reach Playhouse at localhost or an address of its machine, or start it with --public-url set to the URL people use")
        }
        return try await next(request, context)
    }
}
