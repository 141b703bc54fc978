import Foundation
import PlayhouseCore
import Yams

/// One OpenID Connect provider people sign in through, as the sign-in configuration file
/// (`--oidc-config`) describes it.
public struct OIDCProviderSettings: Sendable, Equatable {
    /// A group of the provider and what its members get in Playhouse.
    public struct GroupRule: Sendable, Equatable {
        public var group: String
        /// The role members get; the highest of a user's groups wins.
        public var role: Role?
        /// Teams members belong to.
        public var teams: [String]

        public init(group: String, role: Role?, teams: [String]) {
            self.group = group
            self.role = role
            self.teams = teams
        }
    }

    /// In Playhouse's addresses (`/auth/oidc/NAME/callback`): lowercase letters, digits and `-`.
    public var name: String
    /// On the sign-in page's button: "Sign in with LABEL".
    public var label: String
    /// The issuer URL; its `/.well-known/openid-configuration` describes the rest.
    public var issuer: String
    public var clientID: String
    public var clientSecret: String
    /// Asked for at sign-in; always includes `openid`.
    public var scopes: [String]
    /// The claim whose value is the user's name in Playhouse, on their first sign-in.
    public var usernameClaim: String
    /// The claim listing the user's groups.
    public var groupsClaim: String
    /// The role of a user in no group with a role; nil: such a user cannot sign in.
    public var defaultRole: Role?
    public var groups: [GroupRule]

    public init(
        name: String, label: String, issuer: String, clientID: String, clientSecret: String,
        scopes: [String] = ["openid", "profile", "email"], usernameClaim: String = "preferred_username", groupsClaim: String = "groups",
        defaultRole: Role? = nil, groups: [GroupRule] = []
    ) {
        self.name = name
        self.label = label
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.usernameClaim = usernameClaim
        self.groupsClaim = groupsClaim
        self.defaultRole = defaultRole
        self.groups = groups
    }

    /// The teams the mapping names: a sign-in adds the user to those their groups give and
    /// takes them out of the rest of these. Teams the mapping does not name are left to admins.
    public var managedTeams: Set<String> { Set(groups.flatMap(\.teams)) }

    /// What a user in `userGroups` gets: the highest role of their groups (else the default
    /// role; nil: they may not sign in), and the teams of all their groups.
    public func access(for userGroups: [String]) -> (role: Role?, teams: Set<String>) {
        let member = Set(userGroups)
        let matched = groups.filter { member.contains($0.group) }
        return (matched.compactMap(\.role).max() ?? defaultRole, Set(matched.flatMap(\.teams)))
    }
}

extension OIDCProviderSettings {
    /// The providers of a sign-in configuration file (YAML):
    ///
    /// ```yaml
    /// providers:
    ///   - name: corp
    ///     label: Corp SSO
    ///     issuer: https://sso.example.com/realms/main
    ///     client_id: playhouse
    ///     client_secret_file: /etc/playhouse/oidc-corp-secret   # or client_secret_env: VARIABLE
    ///     scopes: [openid, profile, email, groups]
    ///     username_claim: preferred_username
    ///     groups_claim: groups
    ///     default_role: none                                     # viewer, operator, admin or none
    ///     groups:
    ///       - { group: playhouse-admins, role: admin }
    ///       - { group: deployers, role: operator, teams: [web] }
    /// ```
    ///
    /// The client secret never sits in the file itself: it comes from a file of its own or an
    /// environment variable. `readFile` reads a secret file (relative paths are the caller's).
    public static func load(
        yaml text: String, environment: [String: String], readFile: (String) throws -> String
    ) throws(ValidationError) -> [OIDCProviderSettings] {
        let file: ConfigurationFile
        do {
            file = try YAMLDecoder().decode(ConfigurationFile.self, from: text)
        } catch {
            throw ValidationError("the sign-in configuration is not valid: \(Self.describe(error))")
        }
        var seen: Set<String> = []
        var providers: [OIDCProviderSettings] = []
        for entry in file.providers {
            let provider = try entry.settings(environment: environment, readFile: readFile)
            guard seen.insert(provider.name).inserted else {
                throw ValidationError("the sign-in configuration names provider \"\(provider.name)\" twice")
            }
            providers.append(provider)
        }
        return providers
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(decoding)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingPrefix(".").description
    }

    private struct ConfigurationFile: Decodable {
        var providers: [Entry]
    }

    private struct Entry: Decodable {
        var name: String
        var label: String?
        var issuer: String
        var clientID: String
        var clientSecretFile: String?
        var clientSecretEnv: String?
        var scopes: [String]?
        var usernameClaim: String?
        var groupsClaim: String?
        var defaultRole: String?
        var groups: [Group]?

        struct Group: Decodable {
            var group: String
            var role: String?
            var teams: [String]?
        }

        enum CodingKeys: String, CodingKey {
            case name, label, issuer, scopes, groups
            case clientID = "client_id"
            case clientSecretFile = "client_secret_file"
            case clientSecretEnv = "client_secret_env"
            case usernameClaim = "username_claim"
            case groupsClaim = "groups_claim"
            case defaultRole = "default_role"
        }

        func settings(environment: [String: String], readFile: (String) throws -> String) throws(ValidationError) -> OIDCProviderSettings {
            let what = "provider \"\(name)\""
            guard (1...32).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw ValidationError("a provider's name must be 1 to 32 lowercase letters, digits or -, got \"\(name)\"")
            }
            try Self.checkIssuer(issuer, what)
            guard !clientID.isEmpty else { throw ValidationError("\(what) needs a client_id") }
            let secret = try clientSecret(what, environment: environment, readFile: readFile)
            let role: Role? = try Self.role(defaultRole ?? "none", "\(what)'s default_role")
            var rules: [GroupRule] = []
            for group in groups ?? [] {
                let teams = group.teams ?? []
                for team in teams {
                    do {
                        try User.validateName(team, kind: "team name")
                    } catch {
                        throw ValidationError("\(what), group \"\(group.group)\": \(error.message)")
                    }
                }
                var role: Role?
                if let text = group.role { role = try Self.role(text, "\(what), group \"\(group.group)\"'s role") }
                let rule = GroupRule(group: group.group, role: role, teams: teams)
                guard rule.role != nil || !rule.teams.isEmpty else {
                    throw ValidationError("\(what), group \"\(group.group)\" gives neither a role nor teams")
                }
                rules.append(rule)
            }
            var scopes = scopes ?? ["openid", "profile", "email"]
            if !scopes.contains("openid") { scopes.insert("openid", at: 0) }
            return OIDCProviderSettings(
                name: name, label: label ?? name, issuer: issuer, clientID: clientID, clientSecret: secret, scopes: scopes,
                usernameClaim: usernameClaim ?? "preferred_username", groupsClaim: groupsClaim ?? "groups", defaultRole: role,
                groups: rules)
        }

        private func clientSecret(
            _ what: String, environment: [String: String], readFile: (String) throws -> String
        ) throws(ValidationError) -> String {
            switch (clientSecretFile, clientSecretEnv) {
            case (let file?, nil):
                let text: String
                do {
                    text = try readFile(file)
                } catch {
                    throw ValidationError("\(what): cannot read client_secret_file \(file)")
                }
                let secret = String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)[0])
                    .trimmingCharacters(in: .whitespaces.union(["\r"]))
                guard !secret.isEmpty else { throw ValidationError("\(what): client_secret_file \(file) is empty") }
                return secret
            case (nil, let variable?):
                guard let secret = environment[variable], !secret.isEmpty else {
                    throw ValidationError("\(what): the environment variable \(variable) (client_secret_env) is not set")
                }
                return secret
            default:
                throw ValidationError(
                    "\(what) needs exactly one of client_secret_file or client_secret_env: the secret never sits in this file")
            }
        }

        /// An `https` issuer, or `http` on this machine's loopback (a provider beside Playhouse).
        private static func checkIssuer(_ issuer: String, _ what: String) throws(ValidationError) {
            guard let url = URL(string: issuer), let host = url.host, url.query == nil, url.fragment == nil else {
                throw ValidationError("\(what): issuer must be a URL such as https://sso.example.com/realms/main, got \"\(issuer)\"")
            }
            let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
            guard url.scheme == "https" || (url.scheme == "http" && loopback) else {
                throw ValidationError("\(what): issuer must use https (http only on loopback), got \"\(issuer)\"")
            }
        }

        private static func role(_ text: String, _ what: String) throws(ValidationError) -> Role? {
            if text == "none" { return nil }
            guard let role = Role(rawValue: text) else {
                throw ValidationError("\(what) must be viewer, operator, admin or none, got \"\(text)\"")
            }
            return role
        }
    }
}
