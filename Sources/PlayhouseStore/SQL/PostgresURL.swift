import Foundation
import NIOSSL
import PostgresNIO

/// `postgres://` URLs as PostgresNIO's client configuration.
enum PostgresURL {
    static func configuration(from text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw StoreError(.invalid, "the database URL must look like postgres://user:password@host:5432/database")
        }
        let user = url.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        let password = url.percentEncodedPassword?.removingPercentEncoding
        let database = String(url.path.drop { $0 == "/" })
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { _, last in last }
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = url.port ?? 5432
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                database: database.isEmpty ? nil : database)
        }
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let mode: throw StoreError(.invalid, "sslmode \(mode) is not supported; use disable, prefer or require")
        }
        return PostgresClient.Configuration(
            host: url.host ?? "localhost", port: url.port ?? 5432, username: user, password: password,
            database: database.isEmpty ? nil : database, tls: tls)
    }
}
