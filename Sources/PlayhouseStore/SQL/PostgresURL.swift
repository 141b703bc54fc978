import Foundation
import NIOSSL
import PostgresNIO

/// `postgres://` URLs as PostgresNIO's configurations: the pool's, and the listening
/// connection's, which stands alone.
enum PostgresURL {
    /// Where to connect, both ways, and the server's address for the log (no password).
    struct Target {
        var client: PostgresClient.Configuration
        var connection: PostgresConnection.Configuration
        var address: String
    }

    static func target(from text: String) throws -> Target {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw StoreError(.invalid, "the database URL must look like postgres://user:password@host:5432/database")
        }
        let user = url.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        let password = url.percentEncodedPassword?.removingPercentEncoding
        let database = String(url.path.drop { $0 == "/" })
        let name = database.isEmpty ? nil : database
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { _, last in last }
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let socket = "\(socketDirectory)/.s.PGSQL.\(url.port ?? 5432)"
            return Target(
                client: PostgresClient.Configuration(unixSocketPath: socket, username: user, password: password, database: name),
                connection: PostgresConnection.Configuration(unixSocketPath: socket, username: user, password: password, database: name),
                address: socket)
        }
        let host = url.host ?? "localhost"
        let port = url.port ?? 5432
        let clientTLS: PostgresClient.Configuration.TLS
        let connectionTLS: PostgresConnection.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "disable":
            clientTLS = .disable
            connectionTLS = .disable
        case "prefer", "allow":
            clientTLS = .prefer(.makeClientConfiguration())
            connectionTLS = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "require", "verify-ca", "verify-full":
            clientTLS = .require(.makeClientConfiguration())
            connectionTLS = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case let mode: throw StoreError(.invalid, "sslmode \(mode) is not supported; use disable, prefer or require")
        }
        return Target(
            client: PostgresClient.Configuration(
                host: host, port: port, username: user, password: password, database: name, tls: clientTLS),
            connection: PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: name, tls: connectionTLS),
            address: "\(host):\(port)")
    }
}
