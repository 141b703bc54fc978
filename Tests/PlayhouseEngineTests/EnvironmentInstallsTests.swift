import Testing

@testable import PlayhouseEngine

/// What pip sees of Playhouse's environment while it builds an Ansible environment: a
/// package's build runs code of its own, so Playhouse's settings and secrets stay out.
@Suite struct EnvironmentInstallsTests {
    @Test func pipGetsTheMachinesSettingsAndNoneOfPlayhouses() {
        let inherited = [
            "PATH": "/usr/bin", "HOME": "/home/ph", "LC_ALL": "C.UTF-8", "PIP_INDEX_URL": "https://pypi.internal/simple",
            "HTTPS_PROXY": "http://proxy:3128", "PLAYHOUSE_DATABASE": "postgres://ph:secret@db/ph",
            "PLAYHOUSE_SMTP_PASSWORD": "mail-secret", "AWS_SECRET_ACCESS_KEY": "aws-secret", "ANSIBLE_VAULT_PASSWORD_FILE": "/etc/vault",
        ]
        let given = EnvironmentInstalls.pipEnvironment(inherited)
        #expect(
            given == [
                "PATH": "/usr/bin", "HOME": "/home/ph", "LC_ALL": "C.UTF-8", "PIP_INDEX_URL": "https://pypi.internal/simple",
                "HTTPS_PROXY": "http://proxy:3128",
            ])
    }
}
