public import Foundation
public import PlayhouseCore
import SQLKit

/// Stored secrets for runs (SSH keys, vault passwords, tokens), sealed by a ``SecretBox``.
public struct CredentialRepository: Repository {
    let store: Store

    /// Stores a new credential, its secret sealed by `box`; the name must be unused.
    public func create(
        name: String, kind: Credential.Kind, secret: CredentialSecret, box: SecretBox, now: Date = Date()
    ) async throws -> Credential {
        try await checkNameIsFree(name, in: "credentials", what: "a credential")
        let sealed = try Self.seal(secret, box: box)
        let time = now.timeIntervalSince1970
        return try await sql.raw(
            """
            INSERT INTO credentials (name, kind, fingerprint, fields, sealed, created_at, updated_at)
            VALUES (\(bind: name), \(bind: kind.rawValue), \(bind: sealed.fingerprint), \(bind: sealed.fields),
                    \(bind: sealed.text), \(bind: time), \(bind: time))
            RETURNING *
            """
        ).inserted("credential", as: Credential.self)
    }

    /// Replaces a credential's name, kind and secret; nil when there is no such credential.
    public func update(
        _ id: Int64, name: String, kind: Credential.Kind, secret: CredentialSecret, box: SecretBox, now: Date = Date()
    ) async throws -> Credential? {
        try await checkNameIsFree(name, in: "credentials", except: id, what: "a credential")
        let sealed = try Self.seal(secret, box: box)
        return try await updateRow(
            id, in: "credentials",
            set: """
                name = \(bind: name), kind = \(bind: kind.rawValue), fingerprint = \(bind: sealed.fingerprint),
                fields = \(bind: sealed.fields), sealed = \(bind: sealed.text), updated_at = \(bind: now.timeIntervalSince1970)
                """, as: Credential.self)
    }

    /// Deletes a credential; false when there was none.
    public func delete(_ id: Int64) async throws -> Bool {
        try await deleteRow(id, from: "credentials")
    }

    /// The credential with this id (without its secret), or nil.
    public func find(_ id: Int64) async throws -> Credential? {
        try await row(id, in: "credentials", as: Credential.self)
    }

    /// Every credential, by name.
    public func list() async throws -> [Credential] {
        try await sql.raw("SELECT * FROM credentials ORDER BY name").all(as: Credential.self)
    }

    /// The opened secret of a credential, for the run that uses it; nil when there is no
    /// such credential.
    public func secret(_ id: Int64, box: SecretBox) async throws -> CredentialSecret? {
        guard
            let sealed = try await sql.raw("SELECT sealed FROM credentials WHERE id = \(bind: id)")
                .first(decodingColumn: "sealed", as: String.self)
        else { return nil }
        return try JSONColumn.decode(CredentialSecret.self, String(decoding: box.open(sealed), as: UTF8.self))
    }

    private static func seal(_ secret: CredentialSecret, box: SecretBox) throws -> (text: String, fingerprint: String, fields: String) {
        let plain = Data(JSONColumn.encode(secret).utf8)
        return (try box.seal(plain), box.fingerprint(plain), secret.values.keys.sorted().joined(separator: ","))
    }
}
