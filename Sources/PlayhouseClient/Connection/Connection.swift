import NIOCore

/// A command's way to the API: the settings it connected with, and the generated client
/// signed in with them.
struct Connection {
    let settings: ClientSettings
    let client: Client

    /// Calls give up after `lifetime`.
    init(_ settings: ClientSettings, lifetime: TimeAmount = API.timeout) throws {
        self.settings = settings
        client = try API.client(settings, lifetime: lifetime)
    }

    /// Calls the API through the client, failures in words (`API.call`).
    func call<T>(_ body: (Client) async throws -> T) async throws -> T {
        try await API.call(settings.url) { try await body(client) }
    }
}
