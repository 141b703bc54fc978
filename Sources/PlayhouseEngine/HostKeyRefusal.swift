import Foundation

/// A git fetch over SSH refused because the server's host key is not among the keys the
/// clone trusts (``GitSource/knownHosts``): the key changed, or that host has none among
/// them. Nothing was fetched and nothing ran.
public struct HostKeyRefusal: Error, Sendable, CustomStringConvertible {
    /// The host as `known_hosts` names it: `git.example.com`, or `[127.0.0.1]:2222` on
    /// another port than 22.
    public var host: String
    /// True when the known hosts hold another key for this host; false when they hold none.
    public var changed: Bool
    /// The fingerprint of the key the server offered (`ED25519 key SHA256:…`), when `ssh`
    /// printed it.
    public var offered: String?

    /// What happened, for a person; ``message`` adds what to do about it.
    public var problem: String {
        if changed {
            let offers = offered.map { " (it now offers the \($0))" } ?? ""
            return "the SSH host key of \(host) has changed\(offers), so nothing was fetched: "
                + "someone may be intercepting the connection, or the server got a new key"
        }
        return "no SSH host key of \(host) is among the known hosts, so nothing was fetched"
    }

    /// What happened and what to do: check the key and, if it is right, trust it.
    public var message: String {
        "\(problem). If the server's key is right (check its fingerprint with the server's admin), put it into the clone's "
            + "known hosts (as `ssh-keyscan` prints it), or clear them so that the next clone trusts the key it sees"
    }

    /// The ``message``.
    public var description: String { message }

    /// The refusal `ssh` printed on standard error, if that is why it failed.
    static func read(_ errors: String) -> HostKeyRefusal? {
        let lines = errors.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let requested = " and you have requested strict checking."
        var offered: String? = nil
        // "The fingerprint for the ED25519 key sent by the remote host is" + the next line.
        if let index = lines.firstIndex(where: { $0.hasPrefix("The fingerprint for the ") }), index + 1 < lines.count {
            let type = lines[index].dropFirst("The fingerprint for the ".count).split(separator: " ").first ?? "host"
            offered = "\(type) key \(lines[index + 1].trimmingCharacters(in: CharacterSet(charactersIn: ".")))"
        }
        for line in lines where line.hasSuffix(requested) {
            let statement = line.dropLast(requested.count)
            // "Host key for HOST has changed"
            if statement.hasPrefix("Host key for "), statement.hasSuffix(" has changed") {
                let host = statement.dropFirst("Host key for ".count).dropLast(" has changed".count)
                return HostKeyRefusal(host: String(host), changed: true, offered: offered)
            }
            // "No ED25519 host key is known for HOST"
            if let range = statement.range(of: " host key is known for ") {
                return HostKeyRefusal(host: String(statement[range.upperBound...]), changed: false, offered: nil)
            }
        }
        return nil
    }
}
