public import Foundation

/// A stored secret that jobs can use, as everyone but the run itself sees it: a name, a
/// kind and a fingerprint to tell versions apart, never the secret.
public struct Credential: Sendable, Equatable {
    /// What a credential holds, and so how a run uses it.
    public enum Kind: String, Sendable, CaseIterable {
        /// An SSH private key (and its passphrase) to log in to hosts.
        case ssh
        /// A username and password to log in to hosts.
        case password
        /// The password for privilege escalation (`become`).
        case become
        /// A vault password to decrypt `ansible-vault` content.
        case vault
        /// A token for an HTTP inventory source: sent as `Authorization: Bearer TOKEN`, or
        /// as the value of `header` when it names another header.
        case token

        /// The secret fields this kind takes: the required ones, then the optional ones.
        public var fields: (required: [String], optional: [String]) {
            switch self {
            case .ssh: (["private_key"], ["username", "passphrase"])
            case .password: (["username", "password"], [])
            case .become: (["password"], ["username", "method"])
            case .vault: (["password"], ["vault_id"])
            case .token: (["token"], ["header"])
            }
        }
    }

    public var id: Int64
    public var name: String
    public var kind: Kind
    /// A keyed hash of the secret: equal secrets, equal fingerprints.
    public var fingerprint: String
    /// The names of the fields the secret has (values never leave the vault).
    public var fields: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, name: String, kind: Kind, fingerprint: String, fields: [String], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.fingerprint = fingerprint
        self.fields = fields
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The secret part of a credential: field name → value.
public struct CredentialSecret: Sendable, Equatable, Codable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// Checks the fields against the kind: every required field set and not empty, no
    /// field the kind does not take.
    public func validate(for kind: Credential.Kind) throws(ValidationError) {
        let (required, optional) = kind.fields
        if let unknown = values.keys.sorted().first(where: { !required.contains($0) && !optional.contains($0) }) {
            throw ValidationError(
                "\(kind.rawValue) credentials have no field \"\(unknown)\"; they take "
                    + (required + optional).joined(separator: ", "))
        }
        if let missing = required.first(where: { (values[$0] ?? "").isEmpty }) {
            throw ValidationError("\(kind.rawValue) credentials need \"\(missing)\"")
        }
        // These reach Ansible's command line (as --name=value), so they must be plain names.
        for field in ["username", "method", "vault_id", "header"] {
            guard let value = values[field], !value.isEmpty else { continue }
            let allowed = value.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
            }
            guard allowed, !value.hasPrefix("-"), value.count <= 100 else {
                throw ValidationError("\(field) must be a plain name (letters, digits, . _ -), got \"\(value)\"")
            }
        }
    }
}

extension Credential.Kind {
    /// Checks that credentials of these kinds can serve one run together: at most one to
    /// log in to hosts (ssh or password) and at most one become; vaults are unlimited.
    public static func checkCombination(_ kinds: [Credential.Kind]) throws(ValidationError) {
        if kinds.contains(.token) {
            throw ValidationError("token credentials are for HTTP inventories, not for jobs")
        }
        if kinds.filter({ $0 == .ssh || $0 == .password }).count > 1 {
            throw ValidationError("a job can use one login credential (ssh or password), not several")
        }
        if kinds.filter({ $0 == .become }).count > 1 {
            throw ValidationError("a job can use one become credential, not several")
        }
    }
}
