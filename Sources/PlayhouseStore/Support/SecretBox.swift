public import Crypto
public import Foundation

/// Seals secrets for storage with AES-GCM under one key, and opens them again.
///
/// Every process of a fleet must use the same key: give them all `PLAYHOUSE_SECRET_KEY`,
/// or the same key file.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    /// A box that seals and opens with `key`.
    public init(key: SymmetricKey) {
        self.key = key
    }

    /// A box with a new random key, for tests and throwaway stores.
    public static func random() -> SecretBox {
        SecretBox(key: SymmetricKey(size: .bits256))
    }

    /// The key from `base64` (32 bytes, base64) when given, else from `file`, which is
    /// created with a new random key (mode 0600, its folder 0700) when it does not exist.
    public static func load(base64: String?, file: String) throws -> SecretBox {
        if let base64, !base64.isEmpty {
            guard let bytes = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
                throw StoreError(.invalid, "PLAYHOUSE_SECRET_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)")
            }
            return SecretBox(key: SymmetricKey(data: bytes))
        }
        if !FileManager.default.fileExists(atPath: file) {
            let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            let written = FileManager.default.createFile(
                atPath: file, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600])
            guard written else {
                throw StoreError(.invalid, "could not create the secret key file \(file); check that its folder is writable")
            }
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw StoreError(.invalid, "could not read the secret key file \(file): \(error.localizedDescription)")
        }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw StoreError(.invalid, "the secret key file \(file) does not hold 32 bytes in base64")
        }
        return SecretBox(key: SymmetricKey(data: bytes))
    }

    /// Nonce, ciphertext and tag, in base64.
    public func seal(_ plaintext: Data) throws -> String {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else {
            throw StoreError(.invalid, "sealing a secret failed")
        }
        return combined.base64EncodedString()
    }

    /// The plain bytes of what ``seal(_:)`` sealed; throws when another key sealed it.
    public func open(_ sealed: String) throws -> Data {
        do {
            guard let combined = Data(base64Encoded: sealed) else { throw StoreError(.invalid, "not base64") }
            return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key)
        } catch {
            throw StoreError(
                .invalid,
                "a stored secret could not be opened: the secret key is not the one it was stored with "
                    + "(check PLAYHOUSE_SECRET_KEY or the key file)")
        }
    }

    /// `HMAC-SHA256:` and 16 base64 characters of an HMAC of `data` under the key: equal
    /// secrets give equal fingerprints, and without the key a fingerprint cannot be used
    /// to guess a weak password offline.
    public func fingerprint(_ data: Data) -> String {
        "HMAC-SHA256:" + Data(HMAC<SHA256>.authenticationCode(for: data, using: key)).base64EncodedString().prefix(16)
    }
}
