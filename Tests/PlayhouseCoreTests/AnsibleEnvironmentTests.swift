import PlayhouseCore
import Testing

/// What a project's playhouse.yml may pin, and what pip must never be handed.
@Suite struct AnsibleEnvironmentTests {
    private func read(_ text: String, files: [String: String] = [:]) throws(ValidationError) -> AnsibleEnvironment {
        try AnsibleEnvironment.read(projectFile: text) { path throws(ValidationError) in
            guard let content = files[path] else { throw ValidationError("no \(path)") }
            return content
        }
    }

    @Test func aProjectFilePinsAReleaseAndPackages() throws {
        let environment = try read(
            "ansible-core: \"2.17.14\"\npython-packages: [netaddr==1.3.0, \"boto3 >= 1.34, < 2\"]\npython-requirements: req.txt\n",
            files: ["req.txt": "# for winrm\npywinrm[credssp]~=0.4  # inline note\n\n"])
        #expect(environment.ansibleCore == "2.17.14")
        #expect(environment.pythonPackages == ["netaddr==1.3.0", "boto3 >= 1.34, < 2", "pywinrm[credssp]~=0.4"])
        #expect(environment.label == "ansible-core 2.17.14 with netaddr==1.3.0, boto3 >= 1.34, < 2, pywinrm[credssp]~=0.4")
    }

    @Test func whatPipMustNeverBeHandedIsRefused() {
        let refused: [(String, String)] = [
            ("ansible-core: 2.17\n", "as a quoted version"),
            ("ansible-core: \"2.17.14\"\npython-requirements: req.txt\n", "not a Python package requirement"),
            ("ansible-core: \"2.17.14\"\npython-packages: [\"-e ./local\"]\n", "not a Python package requirement"),
            ("ansible-core: \"2.17.14\"\npython-packages: [\"pkg @ file:///etc/passwd\"]\n", "not a Python package requirement"),
            ("ansible-core: \"2.17.14\"\npython-packages: [\"pkg; python_version<'3'\"]\n", "not a Python package requirement"),
            ("ansible-core: \"2.17.14\"\npython-packages: [Ansible_Core==2.18.0]\n", "chosen by its own field"),
            ("ansible-core: \"2.17.14 --pre\"\n", "must be a release"),
            ("ansible: \"2.17.14\"\n", "unknown key \"ansible\""),
            ("- a list\n", "must be a mapping"),
            ("ansible-core: [\n", "is not YAML"),
        ]
        for (text, says) in refused {
            do {
                _ = try read(text, files: ["req.txt": "--index-url https://evil.example/simple\n"])
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.message.contains(says), "\(text): \(error.message)")
            }
        }
    }
}
