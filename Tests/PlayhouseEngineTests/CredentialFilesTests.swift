import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

@testable import PlayhouseEngine

/// How a run hands credentials to Ansible: secrets in 0600 files, names on the command line.
@Suite struct CredentialFilesTests {
    static let secrets = ["login-pw-4f1c", "become-pw-77aa", "vault-pw-one-19", "vault-pw-two-20"]

    @Test func secretsGoIntoPrivateFilesAndNeverIntoArgv() throws {
        let directory = try TestPaths.scratch("credential-files")
        var request = PlaybookRunRequest(playbook: "/p/site.yml", workingDirectory: "/p", inventory: .path("/p/hosts"))
        request.credentials = try RunCredentials([
            (.password, CredentialSecret(["username": "ops", "password": Self.secrets[0]])),
            (.become, CredentialSecret(["password": Self.secrets[1], "username": "deploy", "method": "su"])),
            (.vault, CredentialSecret(["password": Self.secrets[2]])),
            (.vault, CredentialSecret(["password": Self.secrets[3], "vault_id": "prod"])),
        ])
        let arguments = try AnsibleArguments.prepare(request, in: directory)
        for secret in Self.secrets {
            #expect(!arguments.joined(separator: " ").contains(secret))
        }
        #expect(arguments.contains("--user=ops"))
        #expect(arguments.contains("--become-user=deploy"))
        #expect(arguments.contains("--become-method=su"))
        #expect(arguments.contains("--connection-password-file=\(directory)/connection-password"))
        #expect(arguments.contains("--become-password-file=\(directory)/become-password"))
        #expect(arguments.contains("--vault-password-file=\(directory)/vault-password-1"))
        #expect(arguments.contains("--vault-id=prod@\(directory)/vault-password-2"))
        for (file, secret) in zip(["connection-password", "become-password", "vault-password-1", "vault-password-2"], Self.secrets) {
            let path = directory + "/" + file
            #expect(try String(contentsOfFile: path, encoding: .utf8) == secret)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) is readable only by its owner")
        }
    }

    @Test func aKeyRunGetsItsOwnAgentWhichIsGoneAfterwards() async throws {
        let fixture = try RunnerFixture(files: [
            "agent.yml":
                "- hosts: all\n  gather_facts: false\n  tasks:\n"
                + "    - ansible.builtin.debug: { msg: \"agent={{ lookup('env', 'ANSIBLE_SSH_AGENT') }}\" }\n"
        ])
        var request = fixture.request("agent.yml")
        let tag = "credential-files-\(UUID().uuidString)"
        request.jobTag = tag
        request.credentials = try RunCredentials([(.ssh, CredentialSecret(["private_key": "not-a-real-key-but-secret-4410"]))])
        let (result, collected) = try await fixture.run(request)
        #expect(result.outcome.status == .successful, "\(collected.output)")
        #expect(!collected.output.contains("not-a-real-key-but-secret-4410"))
        #expect(collected.output.contains("agent=/"), "Ansible is pointed at the run's agent socket")
        let agents = ProcessCheck.processes(containing: "ssh-agent").filter { process in
            let environ = FileManager.default.contents(atPath: "/proc/\(process.pid)/environ") ?? Data()
            return environ.range(of: Data(tag.utf8)) != nil
        }
        #expect(agents.isEmpty, "the run's ssh-agent is stopped: \(agents)")
    }
}
