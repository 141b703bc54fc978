import Foundation

/// Where the client commands find Playhouse and the token they sign in with: the file
/// `playhouse login` writes (`$XDG_CONFIG_HOME/playhouse/client.json`, else
/// `~/.config/playhouse/client.json`), overridden by `PLAYHOUSE_URL` and `PLAYHOUSE_TOKEN`.
struct ClientSettings: Codable, Equatable {
    var url: String
    var token: String
    /// Who the token signs in as, when `login` made it.
    var user: String?

    /// The settings file's path for `environment`.
    static func file(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory(), isDirectory: true).appending(path: ".config")
        return base.appending(path: "playhouse").appending(path: "client.json")
    }

    /// The stored settings with the environment's over them; `url` (a `--url` flag) wins over
    /// both. The stored token is used only with the stored URL.
    static func load(url flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClientSettings {
        let stored = try? JSONDecoder().decode(ClientSettings.self, from: Data(contentsOf: file(environment)))
        let url = flag ?? environment["PLAYHOUSE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? stored?.url
        // The stored token goes only to the server that made it, never to another --url.
        let storedToken = stored.flatMap { $0.url == url ? $0.token : nil }
        let token = environment["PLAYHOUSE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } ?? storedToken
        guard let url else {
            throw ClientFailure("no Playhouse to talk to", detail: "run `playhouse login URL`, or set PLAYHOUSE_URL and PLAYHOUSE_TOKEN")
        }
        guard let token else {
            throw ClientFailure("not signed in to \(url)", detail: "run `playhouse login \(url)`, or set PLAYHOUSE_TOKEN")
        }
        return ClientSettings(url: url, token: token, user: environment["PLAYHOUSE_TOKEN"] == nil ? stored?.user : nil)
    }

    /// Writes the settings readable by their owner only (the folder 0700, the file 0600),
    /// replacing the file at once so no reader sees half of it.
    func save(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let file = Self.file(environment)
        let manager = FileManager.default
        try manager.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let staging = file.appendingPathExtension("new")
        try? manager.removeItem(at: staging)
        guard manager.createFile(atPath: staging.path, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600]) else {
            throw ClientFailure("could not write \(staging.path)", detail: "check that the folder is yours and writable")
        }
        guard rename(staging.path, file.path) == 0 else {
            throw ClientFailure("could not write \(file.path)", detail: String(cString: strerror(errno)))
        }
    }

    /// The server's address as a URL, checked.
    func serverURL() throws -> URL {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ClientFailure(
                "\(url) is not an http:// or https:// URL", detail: "give Playhouse's address, e.g. https://playhouse.example.com")
        }
        return parsed
    }
}
