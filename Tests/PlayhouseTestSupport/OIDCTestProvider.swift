import Foundation
import PlayhouseCore

/// A real OpenID Connect provider for tests: django-oidc-provider on Django (both pinned in the
/// Makefile's `.venv-test`), run by `Tests/Scripts/oidc-provider.py` on a free port of
/// 127.0.0.1 with its own SQLite database, the ``User``s and ``Client``s a test names, and one
/// RSA key it signs ID tokens with (RS256).
///
/// What a test meets there:
/// - The issuer is exactly ``issuer`` (`http://127.0.0.1:PORT`, no trailing slash); the
///   discovery document is at ``discoveryURL`` and the endpoints at the root: `/authorize`,
///   `/token` (client_secret_basic or client_secret_post), `/userinfo`, `/jwks`, `/end-session`.
/// - Clients are confidential, take response type `code`, and never show a consent page. PKCE
///   (S256 or plain), `state` and `nonce` work; PKCE is checked when the authorization request
///   had a `code_challenge`, and not required otherwise.
/// - The sign-in page is `/accounts/login/`: inputs `#id_username` and `#id_password`, button
///   `#login-submit`, and `#login-error` after a refused password.
/// - ID tokens carry `preferred_username`, `email` and `groups` (the user's group names, sorted)
///   whatever the scope; `/userinfo` gives `groups` for the scope `groups`.
/// - `/end-session` with `id_token_hint` (an ID token it issued) and a `post_logout_redirect_uri`
///   of that client (or none: the client's first is used) signs the user out and redirects
///   there, with `state` added when sent, without asking. Without `id_token_hint` it asks first
///   on `/end-session-prompt` (button `#end-session-allow`) and then shows a page of its own,
///   sending the browser nowhere; with a redirect the client lacks it asks too, then sends the
///   browser to the client's first `post_logout_redirect_uri`.
public struct OIDCTestProvider: Sendable {
    /// A user who can sign in, and the groups the `groups` claim names.
    public struct User: Sendable, Encodable {
        public var username: String
        public var password: String
        public var email: String
        public var groups: [String]

        public init(username: String, password: String, email: String = "", groups: [String] = []) {
            self.username = username
            self.password = password
            self.email = email
            self.groups = groups
        }
    }

    /// A relying party the provider knows: a confidential client with a secret.
    public struct Client: Sendable, Encodable {
        public var clientID: String
        public var clientSecret: String
        /// The callbacks `/authorize` and `/token` accept, compared exactly.
        public var redirectURIs: [String]
        /// Where `/end-session` may send the browser afterwards.
        public var postLogoutRedirectURIs: [String]

        public init(clientID: String, clientSecret: String, redirectURIs: [String], postLogoutRedirectURIs: [String] = []) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.redirectURIs = redirectURIs
            self.postLogoutRedirectURIs = postLogoutRedirectURIs
        }

        enum CodingKeys: String, CodingKey {
            case clientID = "client_id"
            case clientSecret = "client_secret"
            case redirectURIs = "redirect_uris"
            case postLogoutRedirectURIs = "post_logout_redirect_uris"
        }
    }

    /// What the token endpoint's `id_token` is, from ``setIDTokenMode(_:)`` on.
    public enum IDTokenMode: String, Sendable, CaseIterable {
        /// As django-oidc-provider issues it.
        case normal
        /// `iat` 20 minutes and `exp` 10 minutes in the past, correctly signed.
        case expired
        /// Signed as issued, then its payload swapped for one whose `groups` adds `admins`:
        /// the signature no longer matches.
        case tampered
        /// `aud` is `someone-else`, correctly signed.
        case wrongAudience = "wrong-audience"
        /// `iss` is `http://evil.example`, correctly signed.
        case wrongIssuer = "wrong-issuer"
    }

    /// `http://127.0.0.1:PORT`, exactly as the discovery document and the ID tokens say it.
    public let issuer: String
    public let port: Int
    /// Where the script writes each request it answered, and anything that went wrong.
    public let log: String
    private let process: ChildProcess

    public static let python = TestPaths.root + "/.venv-test/bin/python"
    static let script = TestPaths.root + "/Tests/Scripts/oidc-provider.py"

    private init(port: Int, log: String, process: ChildProcess) {
        self.issuer = "http://127.0.0.1:\(port)"
        self.port = port
        self.log = log
        self.process = process
    }

    /// The discovery document's URL.
    public var discoveryURL: String { issuer + "/.well-known/openid-configuration" }

    /// Runs a provider with `users` and `clients` while `body` runs, and stops it afterwards
    /// however `body` ends.
    public static func with<T>(users: [User], clients: [Client], _ body: (OIDCTestProvider) async throws -> T) async throws -> T {
        let provider = try await start(users: users, clients: clients)
        do {
            let result = try await body(provider)
            await provider.stop()
            return result
        } catch {
            await provider.stop()
            throw error
        }
    }

    private static func start(users: [User], clients: [Client]) async throws -> OIDCTestProvider {
        guard FileManager.default.isExecutableFile(atPath: python),
            (try? await TestTool.run(python, ["-c", "import django, oidc_provider, jwt"])) != nil
        else {
            throw TestToolError(
                "Django or django-oidc-provider is missing from .venv-test: run `make test-setup` (it installs the pinned versions)")
        }
        let folder = try TestPaths.scratch("oidc")
        let config = folder + "/config.json"
        try JSONEncoder().encode(Config(users: users, clients: clients)).write(to: URL(fileURLWithPath: config))
        let port = try Loopback.freePort()
        let log = folder + "/provider.log"
        let process = try await ChildProcess.start(
            python, arguments: [script, "--port", "\(port)", "--state-dir", folder, "--config", config], stderrPath: log)
        let provider = OIDCTestProvider(port: port, log: log, process: process)
        // ChildProcess discards standard output, so the ready line is not read: the script only
        // listens once its database, users, clients and key are in place, so an answer from the
        // discovery document means the same. Migrating a new database on a busy machine is slow.
        do {
            let deadline = ContinuousClock.now + .seconds(60)
            while (try? Loopback.connect(port: port, timeout: 1)).map({ close($0) }) == nil {
                guard ContinuousClock.now < deadline, kill(process.pid, 0) == 0 else {
                    throw TestToolError("the OIDC test provider did not start on port \(port): \(provider.errorOutput())")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let discovery = try await RawHTTP.send(port: port, "GET", "/.well-known/openid-configuration", signedIn: false)
            let said = JSONValue.parse(discovery.body)?["issuer"]?.stringValue
            guard discovery.status == 200, said == provider.issuer else {
                throw TestToolError(
                    "the OIDC test provider's discovery document is wrong (\(discovery.status)): \(discovery.body)\n"
                        + provider.errorOutput())
            }
        } catch {
            // Cancelled or failed, the process goes too.
            await provider.stop()
            throw error
        }
        return provider
    }

    /// SIGTERM (the script exits at once), SIGKILL if it has not after a few seconds.
    func stop() async {
        await process.stop(killAfter: .seconds(5))
    }

    private func errorOutput() -> String {
        (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    }

    /// Replaces the groups of user `username` (groups are made as needed); later ID tokens and
    /// userinfo answers name these.
    public func setGroups(_ username: String, _ groups: [String]) async throws {
        _ = try await control(
            "POST", "groups", body: .object(["username": .string(username), "groups": .array(groups.map(JSONValue.string))]))
    }

    /// Replaces the addresses client `clientID` may be sent back to: for a server whose port is
    /// known only once it runs.
    public func setRedirects(clientID: String, redirectURIs: [String], postLogoutRedirectURIs: [String]) async throws {
        _ = try await control(
            "POST", "redirects",
            body: .object([
                "client_id": .string(clientID), "redirect_uris": .array(redirectURIs.map(JSONValue.string)),
                "post_logout_redirect_uris": .array(postLogoutRedirectURIs.map(JSONValue.string)),
            ]))
    }

    /// Signs with a new RSA key from now on and drops every older one: the JWKS then holds only
    /// the new key, and the old `kid` is gone.
    public func rotateKeys() async throws {
        _ = try await control("POST", "rotate-keys", body: .object([:]))
    }

    /// Makes the token endpoint's `id_token` `mode` from now on (for every client and user).
    public func setIDTokenMode(_ mode: IDTokenMode) async throws {
        _ = try await control("POST", "id-token", body: .object(["mode": .string(mode.rawValue)]))
    }

    /// Every request to `/token` and `/end-session` so far, oldest first, each an object:
    /// `method`, `path`, `query` and `form` (the parameters, with `client_secret` and
    /// `code_verifier` only `true` or `false` for present or not), `client_auth` (`basic`,
    /// `post` or `none`), `user` (who was signed in to the provider, or null), `status`,
    /// `location` when it redirected; for `/token` the `id_token_mode` it answered in, for
    /// `/end-session` `signed_out` (whether it signed a user out).
    public func requestLog() async throws -> [JSONValue] {
        let log = try await control("GET", "log", body: nil)
        guard case .array(let entries) = log else {
            throw TestToolError("the OIDC test provider's request log is no list: \(log.jsonString())")
        }
        return entries
    }

    private func control(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        let response = try await RawHTTP.send(port: port, method, "/control/" + path, body: body?.jsonString(), signedIn: false)
        guard response.status == 200, let json = JSONValue.parse(response.body) else {
            throw TestToolError("the OIDC test provider refused \(method) /control/\(path): \(response.status) \(response.body)")
        }
        return json
    }

    /// The script's `--config` file.
    private struct Config: Encodable {
        var users: [User]
        var clients: [Client]
    }
}
