import Foundation
import PlayhouseCore
import Testing

@testable import PlayhouseServer

/// The sign-in configuration file: what it takes, what it refuses and why, and how groups
/// become a role and teams.
@Suite struct SingleSignOnSettingsTests {
    static let file = """
        providers:
          - name: corp
            label: Corp SSO
            issuer: https://sso.example.com/realms/main
            client_id: playhouse
            client_secret_env: CORP_SECRET
            default_role: viewer
            groups:
              - { group: admins, role: admin }
              - { group: deployers, role: operator, teams: [web] }
              - { group: web-team, teams: [web-readers] }
          - name: lab
            issuer: http://127.0.0.1:9000
            client_id: playhouse-lab
            client_secret_file: lab-secret
        """

    @Test func aFileNamesProvidersTheirSecretsAndTheirGroups() throws {
        let providers = try OIDCProviderSettings.load(yaml: Self.file, environment: ["CORP_SECRET": "from-env"]) { path in
            #expect(path == "lab-secret")
            return "from-file\n"
        }
        #expect(providers.map(\.name) == ["corp", "lab"])
        let corp = providers[0]
        #expect(corp.clientSecret == "from-env")
        #expect(corp.label == "Corp SSO")
        #expect(corp.scopes == ["openid", "profile", "email"])
        #expect(corp.usernameClaim == "preferred_username" && corp.groupsClaim == "groups")
        #expect(corp.managedTeams == ["web", "web-readers"])
        #expect(providers[1].clientSecret == "from-file")
        #expect(providers[1].label == "lab")
        #expect(providers[1].defaultRole == nil, "without default_role, a user in no group cannot sign in")

        // The highest role of a user's groups wins; teams add up; no group: the default role.
        #expect(corp.access(for: ["deployers", "admins"]).role == .admin)
        #expect(corp.access(for: ["deployers", "web-team"]).teams == ["web", "web-readers"])
        #expect(corp.access(for: ["web-team"]).role == .viewer)
        #expect(corp.access(for: ["unknown"]) == (.viewer, []))
        #expect(providers[1].access(for: ["anything"]).role == nil)
    }

    @Test(arguments: [
        ("providers:\n  - { name: Corp, issuer: 'https://x', client_id: c, client_secret_env: S }", "lowercase letters"),
        ("providers:\n  - { name: corp, issuer: 'http://sso.example.com', client_id: c, client_secret_env: S }", "must use https"),
        ("providers:\n  - { name: corp, issuer: 'https://x', client_id: c }", "exactly one of client_secret_file or client_secret_env"),
        ("providers:\n  - { name: corp, issuer: 'https://x', client_id: c, client_secret_env: UNSET }", "UNSET"),
        ("providers:\n  - { name: corp, issuer: 'https://x', client_id: c, client_secret_env: S, default_role: boss }", "boss"),
        (
            "providers:\n  - { name: corp, issuer: 'https://x', client_id: c, client_secret_env: S, groups: [{ group: g }] }",
            "neither a role nor teams"
        ),
        (
            "providers:\n  - { name: corp, issuer: 'https://x', client_id: c, client_secret_env: S }\n"
                + "  - { name: corp, issuer: 'https://y', client_id: c, client_secret_env: S }", "twice"
        ),
        ("providers:\n  - { name: corp, client_id: c, client_secret_env: S }", "providers[0].issuer is missing"),
    ])
    func aWrongFileIsRefusedWithItsReason(_ file: String, _ reason: String) {
        #expect {
            try OIDCProviderSettings.load(yaml: file, environment: ["S": "secret"]) { _ in "" }
        } throws: { error in
            (error as? ValidationError)?.message.contains(reason) == true
        }
    }
}
