import PlayhouseCore
import Testing

@Suite struct SecretMaskTests {
    @Test func secretsAreHiddenAsWrittenAsJSONWritesThemAndLineByLine() {
        let key = "-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\nZmFrZSBrZXkgbWF0ZXJpYWwgaGVyZQ\n-----END KEY-----\n"
        let mask = SecretMask(secrets: [#"pa"ss\word"#, key, "abc"])
        #expect(mask.apply(#"password is pa"ss\word."#) == "password is \(SecretMask.replacement).")
        #expect(mask.apply(#"{"msg": "pa\"ss\\word"}"#) == #"{"msg": "\#(SecretMask.replacement)"}"#)
        #expect(!mask.apply("line: AAAAB3NzaC1yc2EAAAADAQABAAABAQ").contains("AAAAB3"))
        #expect(!mask.apply(#"{"msg": "-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\n"}"#).contains("AAAAB3"))
        #expect(mask.apply("abc is too short to hide") == "abc is too short to hide")
    }

    @Test func eventsAreMaskedInTheirTextAndData() throws {
        let mask = SecretMask(secrets: ["s3cret-value"])
        let line = #"{"type":"runner_on_ok","time":1,"task":"use s3cret-value","data":{"s3cret-value":["x s3cret-value y",1,true]}}"#
        let event = try #require(JobEvent(callbackLine: Array(line.utf8))).masked(by: mask)
        #expect(event.task == "use \(SecretMask.replacement)")
        #expect(
            event.data == .object([SecretMask.replacement: .array([.string("x \(SecretMask.replacement) y"), .number(1), .bool(true)])]))
    }

    @Test func aJobCanUseOneLoginOneBecomeAndAnyVaults() throws {
        try Credential.Kind.checkCombination([.ssh, .become, .vault, .vault])
        #expect(throws: ValidationError("a job can use one login credential (ssh or password), not several")) {
            try Credential.Kind.checkCombination([.ssh, .password])
        }
        #expect(throws: ValidationError("a job can use one become credential, not several")) {
            try Credential.Kind.checkCombination([.become, .become])
        }
        #expect(throws: ValidationError(#"vault_id must be a plain name (letters, digits, . _ -), got "a@b""#)) {
            try CredentialSecret(["password": "p", "vault_id": "a@b"]).validate(for: .vault)
        }
    }
}
