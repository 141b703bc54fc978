import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@Suite struct CredentialStoreTests {
    let secretKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0\n-----END OPENSSH PRIVATE KEY-----\n"

    @Test(arguments: TestBackend.allCases) func secretsAreSealedAtRestAndOpenOnlyWithTheirKey(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let box = SecretBox.random()
            let secret = CredentialSecret(["private_key": secretKey, "passphrase": "hunter2-passphrase"])
            let created = try await store.credentials.create(name: "deploy", kind: .ssh, secret: secret, box: box)
            #expect(created.fields == ["passphrase", "private_key"])
            #expect(created.fingerprint.hasPrefix("HMAC-SHA256:"))
            #expect(try await store.credentials.secret(created.id, box: box) == secret)

            // Nothing the store returns or keeps in clear holds the secret.
            let listed = try await store.credentials.list()
            #expect("\(listed)".contains("hunter2") == false)
            #expect(try await store.credentials.find(created.id) == created)

            await #expect(throws: StoreError.self) { try await store.credentials.secret(created.id, box: .random()) }
            await #expect(throws: StoreError.self) {
                try await store.credentials.create(name: "deploy", kind: .vault, secret: CredentialSecret(["password": "x"]), box: box)
            }

            let rotated = try await store.credentials.update(
                created.id, name: "deploy", kind: .ssh, secret: CredentialSecret(["private_key": "another key"]), box: box)
            #expect(rotated?.fingerprint != created.fingerprint, "a new secret has a new fingerprint")
            #expect(try await store.credentials.secret(created.id, box: box) == CredentialSecret(["private_key": "another key"]))
            #expect(try await store.credentials.delete(created.id))
            #expect(try await store.credentials.find(created.id) == nil)
            #expect(try await store.credentials.secret(created.id, box: box) == nil)
        }
    }

    @Test func theSQLiteFileNeverHoldsTheSecretInClear() async throws {
        let path = try TestPaths.scratch("db") + "/playhouse.sqlite"
        try await Store.withSQLite(path: path, logger: .init(label: "test")) { store in
            _ = try await store.credentials.create(
                name: "vault", kind: .vault, secret: CredentialSecret(["password": "vault-password-Zq81"]), box: .random())
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file))
            #expect(bytes.firstRange(of: Data("vault-password-Zq81".utf8)) == nil, "\(file) holds the secret")
        }
    }

    @Test func aKeyFileIsCreatedPrivateOnceAndReused() throws {
        let file = try TestPaths.scratch("key") + "/keys/secret.key"
        let first = try SecretBox.load(base64: nil, file: file)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let sealed = try first.seal(Data("s3cret".utf8))
        let again = try SecretBox.load(base64: nil, file: file)
        #expect(try again.open(sealed) == Data("s3cret".utf8), "the second start reads the same key")

        let fromEnvironment = try SecretBox.load(base64: Data(repeating: 7, count: 32).base64EncodedString(), file: file)
        #expect(throws: StoreError.self) { try fromEnvironment.open(sealed) }
        #expect(throws: StoreError.self) { try SecretBox.load(base64: "too-short", file: file) }
    }

    @Test func aSecretMustMatchItsKind() {
        #expect(throws: ValidationError.self) { try CredentialSecret(["username": "u"]).validate(for: .password) }
        #expect(throws: ValidationError.self) { try CredentialSecret(["password": "p", "private_key": "k"]).validate(for: .vault) }
        #expect(throws: Never.self) { try CredentialSecret(["password": "p", "vault_id": "prod"]).validate(for: .vault) }
    }
}
