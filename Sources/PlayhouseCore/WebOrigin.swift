import Foundation

/// A web origin: scheme, host and port, as `--public-url` names the address people reach
/// Playhouse at (`https://playhouse.example.com`) and as browsers send it in `Origin`.
public struct WebOrigin: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// Lowercased, without a trailing dot or the brackets of an IPv6 address.
    public let host: String
    /// As given, or the scheme's default.
    public let port: Int

    /// Parses `scheme://host[:port]`, with at most a `/` after it: Playhouse serves from
    /// the root of its site.
    public init(_ text: String) throws(ValidationError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            var host = url.host?.lowercased(), !host.isEmpty
        else {
            throw ValidationError("\"\(text.prefix(200))\" is not an http(s) address; give one like https://playhouse.example.com")
        }
        guard url.user == nil, url.password == nil, url.query == nil, url.fragment == nil, ["", "/"].contains(url.path) else {
            throw ValidationError(
                "\"\(text.prefix(200))\" has more than a scheme, host and port; Playhouse serves from the root, so give only those")
        }
        let port = url.port ?? Self.defaultPort(of: scheme)
        guard (1...65535).contains(port) else { throw ValidationError("the port of \"\(text.prefix(200))\" is not 1 to 65535") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// 443 for `https`, 80 for `http`.
    public static func defaultPort(of scheme: String) -> Int {
        scheme == "https" ? 443 : 80
    }

    /// As browsers write it: the port only when it is not the scheme's default.
    public var description: String {
        let host = host.contains(":") ? "[\(host)]" : host
        return port == Self.defaultPort(of: scheme) ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
    }

    /// The absolute URL of a page of the site, from its path (`/jobs/12`).
    public func link(_ path: String) -> String {
        description + path
    }
}
