import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@testable import PlayhouseServer

/// Two-factor sign-in over the API, as a browser does it (session cookies, CSRF tokens):
/// set up, confirmed, signing in with a code, codes used once, recovery codes, the
/// throttle, the server's requirement, and turning it off. The codes are computed from
/// the secret each setup answered, as an authenticator app would.
@Suite struct SecondFactorTests {
    /// A browser session: its cookie and CSRF token.
    struct Session {
        var cookie: String
        var csrf: String
        var headers: [String: String] { ["Cookie": cookie, "X-CSRF-Token": csrf] }
    }

    @Test func setUpSignInWithACodeAndAUsedCodeIsRefused() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            _ = try await store.users.create(name: "tara", role: .operator, password: "tara-password", cost: 4)
            let session = try await Self.session(port, "tara", "tara-password")

            let setup = try await Self.send(port, session, "POST", "/api/v1/me/totp")
            #expect(setup.status == 200, "\(setup.body)")
            let answer = try #require(JSONValue.parse(setup.body))
            let secret = try #require(answer["secret"]?.stringValue)
            #expect(secret.count == 32 && base32Decode(secret)?.count == 20)
            #expect(answer["otpauth_uri"] == .string("otpauth://totp/Playhouse:tara?secret=\(secret)&issuer=Playhouse"))
            #expect(answer["qr_svg"]?.stringValue?.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") == true)
            #expect(try await Self.me(port, session)["totp_enabled"] == .bool(false), "not on before its first code")
            #expect(try await SignInHardeningTests.signIn(port, "tara", "tara-password").status == 200, "the password alone still signs in")

            let badFormat = try await Self.send(port, session, "POST", "/api/v1/me/totp/confirm", body: #"{"code":"12 34"}"#)
            #expect(badFormat.status == 400 && badFormat.body.contains("must be 6 digits"), "\(badFormat.body)")
            let wrong = try await Self.send(port, session, "POST", "/api/v1/me/totp/confirm", body: Self.code(try Self.wrongCode(secret)))
            #expect(wrong.status == 400 && wrong.body.contains("not the authenticator's current code"), "\(wrong.body)")
            let confirmed = try await Self.send(
                port, session, "POST", "/api/v1/me/totp/confirm", body: Self.code(try authenticatorCode(secret)))
            #expect(confirmed.status == 200, "\(confirmed.body)")
            let codes = JSONValue.parse(confirmed.body)?["recovery_codes"]?.stringArray ?? []
            #expect(codes.count == 10 && Set(codes).count == 10)
            #expect(codes.allSatisfy { $0.wholeMatch(of: /[a-z2-7]{4}(-[a-z2-7]{4}){3}/) != nil }, "\(codes)")
            let again = try await Self.send(
                port, session, "POST", "/api/v1/me/totp/confirm", body: Self.code(try authenticatorCode(secret)))
            #expect(again.status == 409)
            #expect(try await Self.send(port, session, "POST", "/api/v1/me/totp").status == 409, "no new secret while it is on")
            let me = try await Self.me(port, session)
            #expect(me["totp_enabled"] == .bool(true) && me["recovery_codes_left"] == .number(10), "\(me.jsonString())")

            let first = try await SignInHardeningTests.signIn(port, "tara", "tara-password")
            #expect(first.status == 202, "\(first.body)")
            #expect(first.header("Set-Cookie") == nil, "a right password alone starts no session")
            let pending = try #require(JSONValue.parse(first.body))
            #expect(pending["second_factor"] == .string("totp"))
            let token = try #require(pending["token"]?.stringValue)
            // The confirmation used the current step's code; the next step's is accepted too.
            let next = try authenticatorCode(secret, at: Date().addingTimeInterval(TOTP.period))
            let signedIn = try await Self.withCode(port, token, next)
            #expect(signedIn.status == 200, "\(signedIn.body)")
            let cookie = try #require(signedIn.header("Set-Cookie")?.split(separator: ";").first.map(String.init))
            let mine = try await RawHTTP.send(port: port, "GET", "/api/v1/me", headers: ["Cookie": cookie], signedIn: false)
            #expect(JSONValue.parse(mine.body)?["name"] == .string("tara"))
            #expect(try await Self.withCode(port, token, next).status == 401, "a pending sign-in makes one session")

            let second = try await Self.pendingToken(port, "tara", "tara-password")
            let reused = try await Self.withCode(port, second, next)
            #expect(reused.status == 401 && reused.body.contains("wrong code"), "a code signs in once: \(reused.body)")
            let older = try await Self.withCode(port, second, try authenticatorCode(secret))
            #expect(older.status == 401, "nor does the code of an earlier step")
            let expired = try await Self.withCode(port, "not-a-token", next)
            #expect(expired.status == 401 && expired.body.contains("the sign-in has expired"))

            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            for entry in ["user.totp.enable", "with an authenticator code", "wrong code"] { #expect(audit.contains(entry), "\(entry)") }
        }
    }

    @Test func aCodeOfTheNextStepConfirmsAndRecoveryCodesSignInOnceEach() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            _ = try await store.users.create(name: "rita", role: .viewer, password: "rita-password", cost: 4)
            let session = try await Self.session(port, "rita", "rita-password")
            let secret = try #require(
                JSONValue.parse(try await Self.send(port, session, "POST", "/api/v1/me/totp").body)?["secret"]?.stringValue)
            // The next step's code: accepted (±1 step) however slowly the request travels, for
            // half a minute at least; the step before is checked in TOTPTests.
            let next = try authenticatorCode(secret, at: Date().addingTimeInterval(TOTP.period))
            let confirmed = try await Self.send(port, session, "POST", "/api/v1/me/totp/confirm", body: Self.code(next))
            #expect(confirmed.status == 200, "the step after is accepted: \(confirmed.body)")
            let codes = JSONValue.parse(confirmed.body)?["recovery_codes"]?.stringArray ?? []
            try #require(codes.count == 10)

            // Typed in capitals, with spaces for dashes: still the code.
            let typed = codes[3].uppercased().replacing("-", with: " ")
            let recovered = try await Self.withCode(port, try await Self.pendingToken(port, "rita", "rita-password"), typed)
            #expect(recovered.status == 200, "\(recovered.body)")
            #expect(JSONValue.parse(recovered.body)?["recovery_codes_left"] == .number(9))
            let reused = try await Self.withCode(port, try await Self.pendingToken(port, "rita", "rita-password"), codes[3])
            #expect(reused.status == 401, "a recovery code signs in once")
            let other = try await Self.withCode(port, try await Self.pendingToken(port, "rita", "rita-password"), codes[4])
            #expect(other.status == 200, "\(other.body)")
            #expect(try await store.users.recoveryCodesLeft(userID: try #require(await store.users.named("rita")).id) == 8)
            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            #expect(audit.contains("with a recovery code (9 left)") && audit.contains("with a recovery code (8 left)"), "\(audit)")
        }
    }

    @Test func wrongCodesAreThrottledWithWrongPasswords() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            _ = try await store.users.create(name: "tom", role: .viewer, password: "tom-password", cost: 4)
            let secret = try await Self.enable(port, "tom", "tom-password").secret
            let token = try await Self.pendingToken(port, "tom", "tom-password")
            for _ in 0..<3 { #expect(try await Self.withCode(port, token, try Self.wrongCode(secret)).status == 401) }
            // A right password does not wipe out the wrong codes: guesses cannot be bought back.
            let again = try await Self.pendingToken(port, "tom", "tom-password")
            for _ in 0..<2 { #expect(try await Self.withCode(port, again, try Self.wrongCode(secret)).status == 401) }
            let right = try authenticatorCode(secret, at: Date().addingTimeInterval(TOTP.period))
            let throttled = try await Self.withCode(port, again, right)
            #expect(throttled.status == 429, "even the right code waits: \(throttled.body)")
            #expect(throttled.body.contains("too many failed sign-ins"))
            let password = try await SignInHardeningTests.signIn(port, "tom", "tom-password")
            #expect(password.status == 429, "wrong codes and wrong passwords share one budget")
            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            #expect(audit.contains("login.throttled") && audit.contains("wrong code"))
        }
    }

    @Test func aServerThatRequiresASecondFactorHoldsASessionToSettingItUp() async throws {
        try await ServerFixture.with(requireSecondFactor: .admins) { client, store in
            let port = try #require(client.port)
            let ada = try await store.users.create(name: "ada", role: .admin, password: "ada-password", cost: 4)
            _ = try await store.users.create(name: "otto", role: .operator, password: "otto-password", cost: 4)
            let session = try await Self.session(port, "ada", "ada-password")
            let me = try await Self.me(port, session)
            #expect(me["totp_required"] == .bool(true) && me["totp_enabled"] == .bool(false), "\(me.jsonString())")
            for (method, path, body) in [("GET", "/api/v1/jobs", nil), ("GET", "/api/v1/users", nil), ("POST", "/api/v1/tokens", "{}")] {
                let held = try await Self.send(port, session, method, path, body: body)
                #expect(held.status == 403, "\(method) \(path): \(held.body)")
                #expect(held.body.contains("set up two-factor sign-in first"), "\(held.body)")
            }
            #expect(try await RawHTTP.send(port: port, "GET", "/jobs", headers: ["Cookie": session.cookie], signedIn: false).status == 200)
            let token = try await store.users.createToken(userID: ada.id, name: "script", expiresAt: nil).1
            let script = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs", headers: ["Authorization": "Bearer \(token)"])
            #expect(script.status == 200, "API tokens are not held to it")
            let operatorSession = try await Self.session(port, "otto", "otto-password")
            #expect(try await Self.send(port, operatorSession, "GET", "/api/v1/jobs").status == 200, "it is for admins only")
            #expect(try await Self.me(port, operatorSession)["totp_required"] == .bool(false))

            let secret = try #require(
                JSONValue.parse(try await Self.send(port, session, "POST", "/api/v1/me/totp").body)?["secret"]?.stringValue)
            let confirmed = try await Self.send(
                port, session, "POST", "/api/v1/me/totp/confirm", body: Self.code(try authenticatorCode(secret)))
            #expect(confirmed.status == 200)
            #expect(try await Self.send(port, session, "GET", "/api/v1/jobs").status == 200, "set up, the session is let go at once")
            let off = try await Self.send(port, session, "DELETE", "/api/v1/me/totp", body: #"{"password":"ada-password"}"#)
            #expect(off.status == 403 && off.body.contains("required for your account"), "\(off.body)")
            #expect(try await SignInHardeningTests.signIn(port, "ada", "ada-password").status == 202)
        }
    }

    @Test func turningItOffTakesThePasswordOrACode() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            _ = try await store.users.create(name: "uma", role: .viewer, password: "uma-password", cost: 4)
            var (session, secret) = try await Self.enable(port, "uma", "uma-password")
            for body in ["{}", #"{"password":"uma-password","code":"123456"}"#] {
                let refused = try await Self.send(port, session, "DELETE", "/api/v1/me/totp", body: body)
                #expect(refused.status == 400 && refused.body.contains("send either password or code"), "\(refused.body)")
            }
            let wrong = try await Self.send(port, session, "DELETE", "/api/v1/me/totp", body: #"{"password":"not-uma-password"}"#)
            #expect(wrong.status == 403 && wrong.body.contains("the password or code is wrong"), "\(wrong.body)")
            let code = try authenticatorCode(secret, at: Date().addingTimeInterval(TOTP.period))
            let off = try await Self.send(port, session, "DELETE", "/api/v1/me/totp", body: Self.code(code))
            #expect(off.status == 204, "\(off.body)")
            #expect(try await Self.me(port, session)["totp_enabled"] == .bool(false))
            #expect(try await Self.send(port, session, "DELETE", "/api/v1/me/totp", body: #"{"password":"uma-password"}"#).status == 409)
            #expect(try await SignInHardeningTests.signIn(port, "uma", "uma-password").status == 200, "the password alone signs in again")

            (session, secret) = try await Self.enable(port, "uma", "uma-password")
            let byPassword = try await Self.send(port, session, "DELETE", "/api/v1/me/totp", body: #"{"password":"uma-password"}"#)
            #expect(byPassword.status == 204, "\(byPassword.body)")
            let user = try #require(await store.users.named("uma"))
            #expect(try await store.users.recoveryCodesLeft(userID: user.id) == 0, "the recovery codes went with it")
            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            #expect(audit.contains("user.totp.disable") && audit.contains("user.totp.failed"))
        }
    }

    // MARK: Helpers

    /// Signs in with a password (no second factor yet) and returns the browser session.
    static func session(_ port: Int, _ name: String, _ password: String) async throws -> Session {
        let login = try await SignInHardeningTests.signIn(port, name, password)
        guard login.status == 200, let cookie = login.header("Set-Cookie")?.split(separator: ";").first.map(String.init),
            let csrf = JSONValue.parse(login.body)?["csrf_token"]?.stringValue
        else { throw TestFailure("signing in as \(name) answered \(login.status): \(login.body)") }
        return Session(cookie: cookie, csrf: csrf)
    }

    /// Signs in, sets TOTP up and confirms it; returns the session and the secret.
    static func enable(_ port: Int, _ name: String, _ password: String) async throws -> (session: Session, secret: String) {
        let session = try await session(port, name, password)
        let setup = try await send(port, session, "POST", "/api/v1/me/totp")
        guard let secret = JSONValue.parse(setup.body)?["secret"]?.stringValue else { throw TestFailure("setup: \(setup.body)") }
        let confirmed = try await send(port, session, "POST", "/api/v1/me/totp/confirm", body: code(try authenticatorCode(secret)))
        guard confirmed.status == 200 else { throw TestFailure("confirm: \(confirmed.body)") }
        return (session, secret)
    }

    /// The token of a right password's 202.
    static func pendingToken(_ port: Int, _ name: String, _ password: String) async throws -> String {
        let login = try await SignInHardeningTests.signIn(port, name, password)
        guard login.status == 202, let token = JSONValue.parse(login.body)?["token"]?.stringValue else {
            throw TestFailure("signing in as \(name) answered \(login.status): \(login.body)")
        }
        return token
    }

    static func withCode(_ port: Int, _ token: String, _ code: String) async throws -> RawHTTP.Response {
        let body = JSONValue.object(["token": .string(token), "code": .string(code)]).jsonString()
        return try await RawHTTP.send(port: port, "POST", "/api/v1/login/totp", body: body, signedIn: false)
    }

    static func send(_ port: Int, _ session: Session, _ method: String, _ path: String, body: String? = nil) async throws
        -> RawHTTP.Response
    {
        try await RawHTTP.send(port: port, method, path, headers: session.headers, body: body, signedIn: false)
    }

    static func me(_ port: Int, _ session: Session) async throws -> JSONValue {
        JSONValue.parse(try await send(port, session, "GET", "/api/v1/me").body) ?? .null
    }

    static func code(_ code: String) -> String {
        JSONValue.object(["code": .string(code)]).jsonString()
    }

    /// Six digits that are none of the codes the server accepts now.
    static func wrongCode(_ secret: String) throws -> String {
        let near = try (-2...2).map { try authenticatorCode(secret, at: Date().addingTimeInterval(Double($0) * TOTP.period)) }
        return (0..<1_000_000).lazy.map { String(format: "%06d", $0) }.first { !near.contains($0) } ?? "000000"
    }
}

extension JSONValue {
    fileprivate var stringArray: [String] {
        if case .array(let items) = self { return items.compactMap(\.stringValue) }
        return []
    }
}
