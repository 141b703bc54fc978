import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

@testable import PlayhouseServer

/// The first admin, and `playhouse users` / `playhouse tokens`, with the real binary; and
/// `playhouse login` for a user with two-factor sign-in.
@Suite struct CommandLineAccessTests {
    func login(_ port: Int, _ name: String, _ password: String) async throws -> RawHTTP.Response {
        try await RawHTTP.send(
            port: port, "POST", "/api/v1/login",
            body: JSONValue.object(["name": .string(name), "password": .string(password)]).jsonString(), signedIn: false)
    }

    @Test func theFirstStartMakesAnAdminWithAPasswordShownOnce() async throws {
        let scratch = try TestPaths.scratch("first-admin")
        let database = scratch + "/playhouse.sqlite"
        let port = try Loopback.freePort()
        let log = scratch + "/serve.log"
        for _ in 0..<2 {
            let server = try PlayhouseProcess.serve(
                port: port, database: database, projects: TestPaths.examples, runs: scratch + "/runs", log: log)
            try await server.waitUntilReady()
            await server.stop()
        }
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let lines = text.split(separator: "\n").filter { $0.contains("created the first user: admin, password ") }
        #expect(lines.count == 1, "made once, on the first start only: \(text)")
        let password = try #require(lines.first?.components(separatedBy: "password ").last?.split(separator: " ").first.map(String.init))

        let server = try PlayhouseProcess.serve(
            port: port, database: database, projects: TestPaths.examples, runs: scratch + "/runs", log: log)
        try await server.waitUntilReady()
        #expect(try await login(port, "admin", password).status == 200)
        await server.stop()
    }

    @Test func usersAndTokensFromTheCommandLine() async throws {
        let scratch = try TestPaths.scratch("users-cli")
        let database = scratch + "/playhouse.sqlite"
        let port = try Loopback.freePort()
        let server = try PlayhouseProcess.serve(
            port: port, database: database, projects: TestPaths.examples, runs: scratch + "/runs", log: scratch + "/serve.log",
            environment: ["PLAYHOUSE_ADMIN_PASSWORD": "chosen-admin-password"])
        do {
            try await server.waitUntilReady()
            #expect(server.logText.contains("with the password from PLAYHOUSE_ADMIN_PASSWORD"))
            #expect(!server.logText.contains("chosen-admin-password"), "a given password is not logged")
            #expect(try await login(port, "admin", "chosen-admin-password").status == 200)

            let created = try PlayhouseProcess.command(
                ["users", "create", "bob", "--role", "operator", "--database", database], input: "bob-first-password\n")
            #expect(created.status == 0, "\(created.output)")
            let bob = try await login(port, "bob", "bob-first-password")
            #expect(bob.status == 200)
            #expect(JSONValue.parse(bob.body)?["role"] == .string("operator"))

            let changed = try PlayhouseProcess.command(["users", "passwd", "bob", "--database", database], input: "bob-second-password\n")
            #expect(changed.status == 0, "\(changed.output)")
            #expect(try await login(port, "bob", "bob-first-password").status == 401)
            #expect(try await login(port, "bob", "bob-second-password").status == 200)
            let short = try PlayhouseProcess.command(["users", "create", "eve", "--database", database], input: "short\n")
            #expect(short.status != 0)
            #expect(short.output.contains("at least 8 characters"))

            let token = try PlayhouseProcess.command([
                "tokens", "create", "bob", "--name", "ci", "--expires", "30d", "--database", database,
            ])
            let secret = token.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(secret.hasPrefix("ph_"))
            let me = try await RawHTTP.send(port: port, "GET", "/api/v1/me", headers: ["Authorization": "Bearer \(secret)"])
            #expect(JSONValue.parse(me.body)?["name"] == .string("bob"))
            let listed = try await RawHTTP.send(port: port, "GET", "/api/v1/tokens").body
            #expect(listed.contains(#""name":"ci""#) && !listed.contains(secret), "tokens are listed, never shown again")
            let audit = try await RawHTTP.send(port: port, "GET", "/api/v1/audit").body
            #expect(audit.contains(#""source":"command line""#))
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }

    @Test func theClientSignsInWithACodeAndResetTwoFactorLetsALockedOutUserIn() async throws {
        let scratch = try TestPaths.scratch("two-factor-cli")
        let database = scratch + "/playhouse.sqlite"
        let port = try Loopback.freePort()
        let server = try PlayhouseProcess.serve(
            port: port, database: database, projects: TestPaths.examples, runs: scratch + "/runs", log: scratch + "/serve.log",
            environment: ["PLAYHOUSE_ADMIN_PASSWORD": "chosen-admin-password"])
        do {
            try await server.waitUntilReady()
            let created = try PlayhouseProcess.command(
                ["users", "create", "bob", "--role", "operator", "--database", database], input: "bob-password\n")
            #expect(created.status == 0, "\(created.output)")
            let secret = try await SecondFactorTests.enable(port, "bob", "bob-password").secret
            let url = "http://127.0.0.1:\(port)"
            let environment = ["XDG_CONFIG_HOME": scratch + "/config"]

            let wrong = try await ClientCommandTests.client(
                ["login", url, "--name", "bob"], environment: environment,
                input: "bob-password\n\(try SecondFactorTests.wrongCode(secret))\n")
            #expect(wrong.status == 1 && wrong.err.contains("wrong code"), "\(wrong)")
            // The confirmation used the current step's code; the next one's is accepted too.
            let code = try authenticatorCode(secret, at: Date().addingTimeInterval(TOTP.period))
            let signedIn = try await ClientCommandTests.client(
                ["login", url, "--name", "bob"], environment: environment, input: "bob-password\n\(code)\n")
            #expect(signedIn.status == 0, "\(signedIn)")
            #expect(signedIn.err.contains("signed in to \(url) as bob"), "\(signedIn)")
            #expect(try await login(port, "bob", "bob-password").status == 202, "the password alone is not enough")

            let reset = try PlayhouseProcess.command(["users", "reset-2fa", "bob", "--database", database])
            #expect(reset.status == 0 && reset.output.contains("two-factor sign-in of bob removed"), "\(reset.output)")
            #expect(try await login(port, "bob", "bob-password").status == 200, "the password alone signs in again")
            let again = try PlayhouseProcess.command(["users", "reset-2fa", "bob", "--database", database])
            #expect(again.status == 0 && again.output.contains("nothing to reset"), "\(again.output)")
            let nobody = try PlayhouseProcess.command(["users", "reset-2fa", "nobody", "--database", database])
            #expect(nobody.status != 0 && nobody.output.contains("there is no user named nobody"), "\(nobody.output)")
            let audit = try await RawHTTP.send(port: port, "GET", "/api/v1/audit").body
            #expect(audit.contains(#""action":"user.totp.reset""#) && audit.contains(#""source":"command line""#), "\(audit)")
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }
}
