import PlayhouseCore

/// The opened credentials of one run, and how the run hands them to Ansible: secrets go
/// into 0600 files of the run's private directory (removed with it), never into argv or
/// the environment; only names (user, become method, vault id) appear on the command line.
public struct RunCredentials: Sendable, Equatable {
    /// The remote user to log in as (`--user`).
    public var user: String?
    /// An SSH private key, added to an ssh-agent Ansible starts for the run and stops after it.
    public var privateKey: String?
    public var privateKeyPassphrase: String?
    /// The SSH login password (`--connection-password-file`).
    public var connectionPassword: String?
    /// The privilege escalation password (`--become-password-file`).
    public var becomePassword: String?
    public var becomeUser: String?
    public var becomeMethod: String?
    /// Vault passwords, each with its vault id when it has one (`--vault-id id@file`).
    public var vaults: [Vault]

    public struct Vault: Sendable, Equatable {
        public var id: String?
        public var password: String

        public init(id: String?, password: String) {
            self.id = id
            self.password = password
        }
    }

    public init() {
        vaults = []
    }

    /// The run's credentials from stored ones; a ``ValidationError`` when they cannot be
    /// used together (two logins, two becomes).
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

    /// Every secret value, for masking the run's output.
    public var secrets: [String] {
        [privateKey, privateKeyPassphrase, connectionPassword, becomePassword].compactMap { $0 } + vaults.map(\.password)
    }

    /// Keys pasted from a browser may carry CRLF line ends or lack the final newline; the
    /// key loader takes neither.
    public static func normalizedKey(_ key: String) -> String {
        let lines = key.replacing("\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return lines + "\n"
    }
}
