import Foundation
public import PlayhouseCore

/// The opened credentials of one run, and how the run hands them to Ansible: secrets go
/// into 0600 files of the run's private directory (removed with it), never into argv or
/// the environment; only names (user, become method, vault id) appear on the command line.
///
/// Build them from stored credentials with ``init(_:)``, or start from ``init()`` and set
/// the fields, then put them in ``PlaybookRunRequest/credentials``. Every value in
/// ``secrets`` is masked in the run's events and output.
public struct RunCredentials: Sendable, Equatable {
    /// The remote user to log in as (`--user`).
    public var user: String?
    /// An SSH private key, as text.
    ///
    /// Ansible gets it as a variable (from a 0600 file of the run directory) and adds it to
    /// an `ssh-agent` that Playhouse starts for the run and stops after it.
    public var privateKey: String?
    /// The passphrase of ``privateKey``; nil for a key without one.
    public var privateKeyPassphrase: String?
    /// The SSH login password (`--connection-password-file`).
    public var connectionPassword: String?
    /// The privilege escalation password (`--become-password-file`).
    public var becomePassword: String?
    /// The user to become (`--become-user`); nil leaves it to the playbook and Ansible's
    /// settings.
    public var becomeUser: String?
    /// How to become that user (`--become-method`, such as `sudo` or `su`); nil leaves it
    /// to the playbook and Ansible's settings.
    public var becomeMethod: String?
    /// Vault passwords, each with its vault id when it has one (`--vault-id id@file`).
    public var vaults: [Vault]

    /// One vault password, handed to Ansible as a 0600 file of the run directory.
    public struct Vault: Sendable, Equatable {
        /// The vault id the password opens (`--vault-id id@file`); nil to pass it with
        /// `--vault-password-file`, for vaults encrypted without an id.
        public var id: String?
        /// The password itself.
        public var password: String

        /// A vault password.
        ///
        /// - Parameters:
        ///   - id: The vault id it opens, or nil for vaults encrypted without one.
        ///   - password: The password.
        public init(id: String?, password: String) {
            self.id = id
            self.password = password
        }
    }

    /// No credentials: the run logs in and becomes as Ansible's settings and the user's own
    /// SSH agent allow.
    public init() {
        vaults = []
    }

    /// The run's credentials from stored ones.
    ///
    /// Each kind fills its fields from the secret's values (empty values count as absent):
    /// `ssh` the user, key and passphrase; `password` the user and login password; `become`
    /// the become password, user and method; `vault` one more ``Vault``. A key is passed
    /// through ``normalizedKey(_:)``.
    ///
    /// - Parameter credentials: The kind and opened secret of each credential the run uses.
    /// - Throws: `ValidationError` when they cannot be used together (two logins, two
    ///   becomes, or a token, which is only for HTTP inventories).
    public init(_ credentials: [(kind: Credential.Kind, secret: CredentialSecret)]) throws(ValidationError) {
        try Credential.Kind.checkCombination(credentials.map(\.kind))
        self.init()
        for (kind, secret) in credentials {
            let values = secret.values.filter { !$0.value.isEmpty }
            switch kind {
            case .ssh:
                user = values["username"]
                privateKey = values["private_key"].map(Self.normalizedKey)
                privateKeyPassphrase = values["passphrase"]
            case .password:
                user = values["username"]
                connectionPassword = values["password"]
            case .become:
                becomePassword = values["password"]
                becomeUser = values["username"]
                becomeMethod = values["method"]
            case .vault:
                vaults.append(Vault(id: values["vault_id"], password: values["password"] ?? ""))
            case .token:
                continue  // refused by checkCombination above: tokens are for HTTP inventories
            }
        }
    }

    /// Every secret value, for masking the run's events and output (together with
    /// ``PlaybookRunRequest/maskedValues``).
    public var secrets: [String] {
        [privateKey, privateKeyPassphrase, connectionPassword, becomePassword].compactMap { $0 } + vaults.map(\.password)
    }

    /// A private key as `ssh-add` takes it.
    ///
    /// Keys pasted from a browser may carry CRLF line ends or lack the final newline; the
    /// key loader takes neither.
    ///
    /// - Parameter key: The key text as stored or pasted.
    /// - Returns: The key with LF line ends, no surrounding blank space, and one final newline.
    public static func normalizedKey(_ key: String) -> String {
        let lines = key.replacing("\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return lines + "\n"
    }
}
