import ArgumentParser
import Foundation

/// `playhouse login URL`: signs in with a name and password, makes an API token, and
/// stores it with the address for the other client commands.
package struct Login: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        abstract: "Sign in to a Playhouse and keep an API token for the client commands.",
        discussion: """
            Asks for the password on a terminal, or reads it as one line from standard input; for a user with \
            two-factor sign-in, then the code of their authenticator (or a recovery code), the same way. \
            The token is stored 0600 in $XDG_CONFIG_HOME/playhouse/client.json (else \
            ~/.config/playhouse/client.json); PLAYHOUSE_URL and PLAYHOUSE_TOKEN override it.
            """)

    @Argument(help: "Playhouse's address, e.g. https://playhouse.example.com.")
    var url: String

    @Option(name: .long, help: "The user to sign in as (asked for on a terminal when not given).")
    var name: String?

    @Option(name: .long, help: "How long the token lasts: 30d, 12h, a date 2026-12-31, or never.")
    var expires: String = "90d"

    package init() {}

    package func run() async throws {
        let address = url.hasSuffix("/") ? String(url.dropLast()) : url
        let server = try ClientSettings(url: address, token: "").serverURL()
        guard let name = try name ?? Self.askName(), !name.isEmpty else { throw ValidationError("no user name given") }
        let password = try PasswordInput.read(confirm: false)
        let anonymous = API.client(server, middleware: nil)
        let me: Components.Schemas.Me
        let setCookie: String
        switch try await API.call(address, { try await anonymous.login(body: .json(.init(name: name, password: password))) }) {
        case .ok(let signedIn):
            (me, setCookie) = (try signedIn.body.json, signedIn.headers.setCookie)
        case .accepted(let secondStep):
            // Two-factor sign-in: the password alone made no session.
            let token = try secondStep.body.json.token
            let code = try PasswordInput.readCode()
            let signedIn = try await API.call(address) {
                try await anonymous.loginWithCode(body: .json(.init(token: token, code: code))).ok
            }
            (me, setCookie) = (try signedIn.body.json, signedIn.headers.setCookie)
        default:
            throw ClientFailure("\(address) answered the sign-in in a way this client does not know", detail: "is this a Playhouse server?")
        }
        guard let csrf = me.csrfToken, let cookie = Self.sessionCookie(setCookie) else {
            throw ClientFailure("\(address) signed in without a session", detail: "is this a Playhouse server?")
        }
        let session = API.client(server, middleware: SessionCookie(cookie: cookie, csrfToken: csrf))
        let host = ProcessInfo.processInfo.hostName
        let token = try await API.call(address) {
            try await session.createToken(
                body: .json(.init(name: "playhouse login on \(host)".prefix(100).description, expires: expires == "never" ? nil : expires))
            ).created.body.json
        }
        _ = try? await session.logout()
        guard let secret = token.token else { throw ClientFailure("\(address) made a token without its secret") }
        let settings = ClientSettings(url: address, token: secret, user: me.name)
        try settings.save()
        let until = token.expiresAt.map { " until \($0.formatted(.iso8601.year().month().day()))" } ?? ""
        let stored = ClientSettings.file().path
        Terminal.note("signed in to \(address) as \(me.name) (\(me.role.rawValue)); token \"\(token.name)\"\(until) stored in \(stored)")
    }

    private static func askName() throws -> String? {
        guard isatty(STDIN_FILENO) == 1 else { throw ValidationError("give --name when standard input is not a terminal") }
        FileHandle.standardError.write(Data("Name: ".utf8))
        return readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces)
    }

    /// `playhouse_session=…` out of the `Set-Cookie` answer.
    static func sessionCookie(_ header: String) -> String? {
        header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap {
            $0.hasPrefix("playhouse_session=") ? $0 : nil
        }
    }
}
