import Foundation
import HTTPTypes
import Hummingbird
import PlayhouseCore

/// The client's address behind a reverse proxy: when the connection comes from one of
/// `trusted` (the proxies' own addresses), the address is the last one of
/// `X-Forwarded-For` that is not itself a trusted proxy, so the audit log and the sign-in
/// throttle see people, not the proxy. From anyone else the header is ignored: a client
/// could write anything in it.
struct ForwardedForMiddleware: RouterMiddleware {
    typealias Context = PlayhouseContext

    static var header: HTTPField.Name { HTTPField.Name("X-Forwarded-For")! }

    let trusted: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let peer = context.remoteAddress, trusted.contains(peer),
            let client = Self.client(request.headers[values: Self.header], trusted: trusted)
        else { return try await next(request, context) }
        var context = context
        context.remoteAddress = client
        return try await next(request, context)
    }

    /// The last address of the header's lists that is no trusted proxy; nil when there is
    /// none, or when one on the way is not an IP address (the header is then not trusted).
    static func client(_ values: [String], trusted: Set<String>) -> String? {
        let hops = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard IPAddressText.isValid(hop) else { return nil }
            if !trusted.contains(hop) { return hop }
        }
        return nil
    }
}

/// Whether text is an IPv4 or IPv6 address, as a proxy writes one.
enum IPAddressText {
    static func isValid(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// `--trusted-proxies`: IP addresses, comma-separated.
public enum TrustedProxies {
    public static func parse(_ text: String) throws(ValidationError) -> Set<String> {
        var addresses: Set<String> = []
        for item in text.split(separator: ",") {
            let address = item.trimmingCharacters(in: .whitespaces)
            guard IPAddressText.isValid(address) else {
                throw ValidationError("\"\(address)\" is not an IP address: give the proxies' addresses, e.g. 127.0.0.1,::1")
            }
            addresses.insert(address)
        }
        return addresses
    }
}
