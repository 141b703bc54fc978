import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Synchronization
import Testing

/// Credentials used by real runs over SSH (a passphrase-protected key, a login password,
/// `su` with a become password, two vault passwords), through the real `playhouse`
/// binary logging at debug level; afterwards none of the secrets may be found anywhere.
@Suite(.serialized) struct CredentialRunTests {
    static let becomeUser = "playhouse-become"

    /// Says every secret out loud: what the vaults hold (the become password and the
    /// second vault's password), and the key and passphrase Playhouse hands to Ansible.
    static let playbook = """
        - hosts: ssh
          gather_facts: false
          vars_files: [vars/plain.yml, vars/labelled.yml]
          tasks:
            - name: log in
              ansible.builtin.command: id -un
              register: login
            - name: become
              ansible.builtin.command: id -un
              become: true
            - name: open the vaults
              ansible.builtin.debug:
                msg: "plain={{ plain_word }} labelled={{ labelled_word }}"
            - name: say the secrets
              ansible.builtin.debug:
                msg: "{{ become_echo }} {{ vault_echo }} {{ ansible_ssh_private_key_passphrase | default('none') }} \
        {{ ansible_ssh_private_key | default('none') }}"

        """

    struct Secrets {
        let passphrase = "phrase-" + UUID().uuidString
        let loginPassword = "login-" + UUID().uuidString
        let becomePassword = "become-" + UUID().uuidString
        let plainVault = "vault-plain-" + UUID().uuidString
        let labelledVault = "vault-prod-" + UUID().uuidString
        var privateKey = ""

        /// Every string that must never show: the passwords, and each line of the key's body.
        var all: [String] {
            [passphrase, loginPassword, becomePassword, plainVault, labelledVault]
                + privateKey.split(separator: "\n").map(String.init).filter { $0.count >= 16 && !$0.hasPrefix("-----") }
        }
    }

    @Test func credentialsWorkOverSSHAndNoSecretShowsAnywhere() async throws {
        guard getuid() == 0 else {
            Issue.record("this test sets account passwords and reads every process's environment: run it as root (CI does)")
            return
        }
        try await withSSHTestHosts(count: 2) { hosts in
            try #require(hosts.user == SSHTestHosts.testUserName, "the hosts must log in as \(SSHTestHosts.testUserName)")
            var secrets = Secrets()
            let scratch = try TestPaths.scratch("credential-run")

            let keyPath = scratch + "/client_key"
            try await TestTool.run(
                "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", secrets.passphrase, "-C", "credential-test", "-f", keyPath])
            secrets.privateKey = try String(contentsOfFile: keyPath, encoding: .utf8)
            try hosts.authorize(publicKey: try String(contentsOfFile: keyPath + ".pub", encoding: .utf8))
            try FileManager.default.removeItem(atPath: keyPath)
            try await TestAccounts.ensure(Self.becomeUser)
            try await TestAccounts.setPassword(secrets.becomePassword, for: Self.becomeUser)
            try await TestAccounts.setPassword(secrets.loginPassword, for: hosts.user)

            let projects = try TestPaths.makeProject(
                "p",
                files: [
                    "secrets.yml": Self.playbook,
                    "vars/plain.yml": "plain_word: opened-plain\nbecome_echo: \(secrets.becomePassword)\n",
                    "vars/labelled.yml": "labelled_word: opened-labelled\nvault_echo: \(secrets.labelledVault)\n",
                    "hosts.ini":
                        (["[ssh]"] + hosts.hosts.map { "\($0.name) ansible_host=127.0.0.1 ansible_port=\($0.port)" } + [
                            "", "[ssh:vars]",
                            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
                            "ansible_python_interpreter=\(hosts.pythonInterpreter)",
                            // No setfacl on these hosts: let the become user read the module files
                            // (Ansible's documented fallback for becoming an unprivileged user).
                            "ansible_shell_allow_world_readable_temp=true",
                        ]).joined(separator: "\n") + "\n",
                ])
            try await Self.encrypt(projects + "/p/vars/plain.yml", password: secrets.plainVault, id: nil, scratch: scratch)
            try await Self.encrypt(projects + "/p/vars/labelled.yml", password: secrets.labelledVault, id: "prod", scratch: scratch)

            let port = try Loopback.freePort()
            let runs = scratch + "/runs"
            let database = scratch + "/playhouse.sqlite"
            let server = try PlayhouseProcess.serve(
                port: port, database: database, projects: projects, runs: runs, log: scratch + "/serve.log",
                extra: ["--workers", "2", "--log-level", "debug", "--secret-key-file", scratch + "/secret.key"])
            var seen: [String] = []
            let needles = secrets.all
            let exposures = ExposureLog()
            do {
                try await server.waitUntilReady()

                func create(_ fields: [String: String]) async throws -> Int {
                    let answer = try await RawHTTP.request(
                        port: port, "POST", "/api/v1/credentials", body: JSONValue.object(fields.mapValues(JSONValue.string)).jsonString())
                    guard answer.status == 201, let id = answer.json["id"]?.intValue else {
                        throw TestFailure("creating \(fields["name"] ?? "") answered \(answer.status): \(answer.json.jsonString())")
                    }
                    return id
                }
                let key = try await create([
                    "name": "key", "kind": "ssh", "username": hosts.user, "private_key": secrets.privateKey,
                    "passphrase": secrets.passphrase,
                ])
                let login = try await create([
                    "name": "login", "kind": "password", "username": hosts.user, "password": secrets.loginPassword,
                ])
                let become = try await create([
                    "name": "su", "kind": "become", "username": Self.becomeUser, "method": "su", "password": secrets.becomePassword,
                ])
                let plain = try await create(["name": "plain vault", "kind": "vault", "password": secrets.plainVault])
                let labelled = try await create([
                    "name": "prod vault", "kind": "vault", "vault_id": "prod", "password": secrets.labelledVault,
                ])

                let watcher = Task.detached {
                    while !Task.isCancelled {
                        exposures.add(ProcessCheck.processesExposing(needles))
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                }
                var ids: [Int] = []
                for loginCredential in [key, login] {
                    let body =
                        #"{"project":"p","playbook":"secrets.yml","inventory":"hosts.ini","#
                        + #""credentials":[\#(loginCredential),\#(become),\#(plain),\#(labelled)]}"#
                    let answer = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs", body: body)
                    guard answer.status == 202, let id = answer.json["id"]?.intValue else {
                        throw TestFailure("launch answered \(answer.status): \(answer.json.jsonString())")
                    }
                    ids.append(id)
                }
                var jobs: [JSONValue] = []
                for id in ids { jobs.append(try await waitForEnd(port: port, id)) }
                watcher.cancel()
                _ = await watcher.value

                seen.append(try await RawHTTP.request(port: port, "GET", "/api/v1/credentials").json.jsonString())
                for (id, job) in zip(ids, jobs) {
                    #expect(job["status"] == .string("successful"), "job \(id): \(job.jsonString())")
                    let events = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/events?limit=5000").body
                    let output = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/stdout?ansi=0").body
                    let stream = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/stream").body
                    for host in hosts.hosts {
                        #expect(output.contains(#"ok: [\#(host.name)] => {"#))
                    }
                    #expect(events.contains(#""stdout":"\#(hosts.user)""#), "logged in as \(hosts.user)")
                    #expect(events.contains(#""stdout":"\#(Self.becomeUser)""#), "became \(Self.becomeUser) with su")
                    #expect(output.contains("plain=opened-plain labelled=opened-labelled"), "both vaults opened")
                    #expect(output.contains(SecretMask.replacement), "the secrets said out loud are masked")
                    seen += [
                        job.jsonString(), events, output, stream,
                        try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/stdout").body,
                    ]
                }
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
            seen.append(server.logText)
            for file in [database, database + "-wal"] {
                if let data = FileManager.default.contents(atPath: file) { seen.append(String(decoding: data, as: UTF8.self)) }
            }
            for (index, text) in seen.enumerated() {
                for secret in needles where text.contains(secret) {
                    Issue.record("secret \(secret.prefix(8))… found in answer \(index): \(text.prefix(300))")
                }
            }
            #expect(exposures.all.isEmpty, "secrets in argv or environment: \(exposures.all)")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: runs).isEmpty, "run directories (and the secret files in them) are gone"
            )
        }
    }

    /// Encrypts `file` in place with `ansible-vault`; the password goes through a file.
    static func encrypt(_ file: String, password: String, id: String?, scratch: String) async throws {
        let passwordFile = scratch + "/vault-password-" + UUID().uuidString
        try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let source = id.map { "--vault-id=\($0)@\(passwordFile)" } ?? "--vault-password-file=\(passwordFile)"
        try await TestTool.run(TestPaths.ansibleBin + "/ansible-vault", ["encrypt", source, file])
    }
}

/// What the process watcher found, gathered from its own task.
final class ExposureLog: Sendable {
    private let found = Mutex<Set<String>>([])

    func add(_ lines: [String]) {
        found.withLock { $0.formUnion(lines) }
    }

    var all: [String] { found.withLock { $0.sorted() } }
}
