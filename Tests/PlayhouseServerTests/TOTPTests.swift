import Foundation
import PlayhouseTestSupport
import Testing

@testable import PlayhouseServer

/// The one-time codes of two-factor sign-in, against the RFCs' published vectors and
/// against pyotp (an implementation that shares no code with Playhouse's).
@Suite struct TOTPTests {
    /// RFC 4226 and RFC 6238's key for SHA-1: the ASCII digits 1 to 0, twice.
    static let rfcSecret = Data("12345678901234567890".utf8)

    @Test func rfc6238VectorsForSHA1() {
        let totp = TOTP(secret: Self.rfcSecret)
        // Appendix B of RFC 6238: the time in seconds and the 8-digit code.
        let vectors: [(Double, String)] = [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
        ]
        for (seconds, code) in vectors {
            let step = TOTP.step(at: Date(timeIntervalSince1970: seconds))
            #expect(totp.code(step: step, digits: 8) == code, "T = \(seconds)")
            // Six digits are the last six of the same number.
            #expect(totp.code(step: step) == String(code.suffix(6)), "T = \(seconds)")
        }
    }

    @Test func rfc4226HOTPVectors() {
        let totp = TOTP(secret: Self.rfcSecret)
        // Appendix D of RFC 4226: counters 0 to 9.
        let codes = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        #expect((0..<10).map { totp.code(step: Int64($0)) } == codes)
    }

    @Test func rfc4648Base32WithoutPadding() {
        let vectors = ["": "", "f": "MY", "fo": "MZXQ", "foo": "MZXW6", "foob": "MZXW6YQ", "fooba": "MZXW6YTB", "foobar": "MZXW6YTBOI"]
        for (text, encoded) in vectors { #expect(Base32.encode(Array(text.utf8)) == encoded, "\"\(text)\"") }
        #expect(Base32.encode(Self.rfcSecret) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        let secret = TOTP.randomSecret()
        #expect(secret.count == 20)
        #expect(Base32.encode(secret).count == 32, "160 bits are 32 characters, no padding")
        #expect(base32Decode(Base32.encode(secret)) == secret)
    }

    @Test func aCodeOfTheStepBeforeOrAfterIsAcceptedAndNoOther() {
        let totp = TOTP(secret: TOTP.randomSecret())
        let now = Date(timeIntervalSince1970: 1_800_000_015)
        let step = TOTP.step(at: now)
        for offset: Int64 in -1...1 { #expect(totp.step(matching: totp.code(step: step + offset), at: now) == step + offset) }
        for offset: Int64 in [-3, -2, 2, 3] {
            let code = totp.code(step: step + offset)
            // A far step's code may equal a near one's by chance (one in a million).
            let near = (-1...1).map { totp.code(step: step + $0) }
            if !near.contains(code) { #expect(totp.step(matching: code, at: now) == nil, "offset \(offset)") }
        }
        #expect(totp.step(matching: "12345", at: now) == nil)
    }

    @Test func theURINamesPlayhouseAndTheUser() {
        let totp = TOTP(secret: Self.rfcSecret)
        #expect(
            totp.uri(account: "alice@example.com")
                == "otpauth://totp/Playhouse:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Playhouse")
    }

    @Test func pyotpAgrees() async throws {
        let python = TestPaths.root + "/.venv-test/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "the test venv is missing: run `make test-setup`")
        let secret = TOTP.randomSecret()
        let times = [0, 59, 1_111_111_109, 1_700_000_000, 2_000_000_000, Int(Date().timeIntervalSince1970)]
        let script = """
            import sys, pyotp
            totp = pyotp.TOTP(sys.argv[1])
            print(" ".join(totp.at(int(t)) for t in sys.argv[2:]))
            """
        let output = try await TestTool.run(python, ["-c", script, Base32.encode(secret)] + times.map(String.init))
        let theirs = output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let ours = times.map { TOTP(secret: secret).code(step: TOTP.step(at: Date(timeIntervalSince1970: Double($0)))) }
        #expect(theirs == ours)
        // At a fixed time: a busy machine may start Python in one step and answer in the next.
        let at = 1_800_000_000
        let uri = try await TestTool.run(
            python, ["-c", "import pyotp; print(pyotp.parse_uri(\"\(TOTP(secret: secret).uri(account: "bob"))\").at(\(at)))"])
        #expect(
            uri.trimmingCharacters(in: .whitespacesAndNewlines)
                == TOTP(secret: secret).code(step: TOTP.step(at: Date(timeIntervalSince1970: Double(at)))))
    }
}

/// The bytes of base32 text (RFC 4648, padding optional): the tests read the secret a
/// setup answered with, as an authenticator does.
func base32Decode(_ text: String) -> Data? {
    var bytes = Data()
    var buffer = 0
    var bits = 0
    for character in text.uppercased() where character != "=" {
        guard let value = Base32.alphabet.firstIndex(of: character) else { return nil }
        buffer = (buffer << 5) | value
        bits += 5
        if bits >= 8 {
            bits -= 8
            bytes.append(UInt8((buffer >> bits) & 0xFF))
        }
    }
    return bytes
}

/// The code an authenticator holding `secret` (base32) shows at `date`.
func authenticatorCode(_ secret: String, at date: Date = Date()) throws -> String {
    guard let bytes = base32Decode(secret) else { throw TestFailure("\(secret) is not base32") }
    return TOTP(secret: bytes).code(step: TOTP.step(at: date))
}
