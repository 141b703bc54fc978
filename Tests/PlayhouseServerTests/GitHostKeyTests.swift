import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// A git project cloned over real SSH checks the server's host key: its first clone trusts
/// the key it sees and keeps it unconfirmed, later clones refuse any other key (and nothing
/// runs), an admin confirms or clears the keys, or gives them up front.
@Suite(.serialized) struct GitHostKeyTests {
    /// The key of a host no test serves.
    static let otherHostKey = "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2Kn0vfvCWz0Ov0T6U5iqWq9P3m1Nwv5zH8Q3yVbLhX"

    @Test func aChangedHostKeyRefusesTheCloneUntilTheKnownHostsAreCleared() async throws {
        try await withSSHTestHosts(count: 1) { hosts in
            let host = hosts.hosts[0]
            let repository = try await Self.bareRepository(readableBy: hosts.user)
            let key = try String(contentsOfFile: hosts.privateKeyPath, encoding: .utf8)
            let firstKey = try hosts.knownHostsLine(of: host)
            try await ServerFixture.with { client, _ in
                let port = try #require(client.port)
                let credential = try await client.json(
                    .post, "/api/v1/credentials",
                    body: JSONValue.object(["name": .string("deploy key"), "kind": .string("ssh"), "private_key": .string(key)])
                        .jsonString())
                let credentialID = try #require(credential.json["id"]?.intValue)
                let url = "ssh://\(hosts.user)@127.0.0.1:\(host.port)\(repository)"
                func save(_ name: String, knownHosts: String? = nil) async throws -> (status: Int, json: JSONValue) {
                    var body: [String: JSONValue] = [
                        "name": .string(name), "url": .string(url), "credential": .number(Double(credentialID)),
                    ]
                    if let knownHosts { body["known_hosts"] = .string(knownHosts) }
                    return try await RawHTTP.request(port: port, "POST", "/api/v1/projects", body: JSONValue.object(body).jsonString())
                }
                func project(_ name: String) async throws -> JSONValue {
                    let list = try await RawHTTP.request(port: port, "GET", "/api/v1/projects").json
                    guard case .array(let projects)? = list["projects"] else { throw TestFailure("no project list: \(list.jsonString())") }
                    return try #require(projects.first { $0["name"] == .string(name) }, "\(list.jsonString())")
                }
                func run(_ name: String) async throws -> (job: JSONValue, log: String) {
                    let answer = try await RawHTTP.request(
                        port: port, "POST", "/api/v1/jobs", body: #"{"project":"\#(name)","playbook":"hello.yml","inventory":"hosts.ini"}"#)
                    let id = try #require(answer.json["id"]?.intValue, "\(answer.json.jsonString())")
                    let job = try await waitForEnd(port: port, id)
                    return (job, try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/stdout?ansi=0").body)
                }

                #expect(try await save("keyed").status == 201)
                let unknown = try await project("keyed")
                #expect(unknown["known_hosts"] == .string("") && unknown["host_keys"] == .array([]))

                // First use: the key is trusted, kept on the project unconfirmed, and shown.
                let first = try await run("keyed")
                #expect(first.job["status"] == .string("successful"), "\(first.job.jsonString())")
                #expect(
                    first.log.contains("Trusted the SSH host key of [127.0.0.1]:\(host.port) (ssh-ed25519) on first sight"), "\(first.log)")
                let learned = try await project("keyed")
                #expect(learned["known_hosts"] == .string(firstKey + "\n"), "\(learned.jsonString())")
                #expect(learned["known_hosts_confirmed"] == .bool(false))
                guard case .array(let shownKeys)? = learned["host_keys"], shownKeys.count == 1, let shownKey = shownKeys.first else {
                    throw TestFailure("one key is shown: \(learned.jsonString())")
                }
                #expect(shownKey["hosts"] == .string("[127.0.0.1]:\(host.port)") && shownKey["type"] == .string("ssh-ed25519"))
                #expect(shownKey["fingerprint"] == .string(try await Self.fingerprint(hosts, host)), "as ssh-keygen -l prints it")
                let audit = try await RawHTTP.request(port: port, "GET", "/api/v1/audit").json.jsonString()
                #expect(audit.contains("project.known_hosts.learn") && audit.contains("trusted the SSH host keys it first saw"), "\(audit)")

                // With the key known, the next run is checked against it and goes on.
                let second = try await run("keyed")
                #expect(second.job["status"] == .string("successful"), "\(second.job.jsonString())")
                #expect(!second.log.contains("Trusted the SSH host key"), "\(second.log)")

                let stale = try await RawHTTP.request(
                    port: port, "POST", "/api/v1/projects/keyed/known-hosts/confirm",
                    body: JSONValue.object(["known_hosts": .string(Self.otherHostKey)]).jsonString())
                #expect(stale.status == 409, "only the keys the admin saw are confirmed: \(stale.json.jsonString())")
                let confirmed = try await RawHTTP.request(
                    port: port, "POST", "/api/v1/projects/keyed/known-hosts/confirm",
                    body: JSONValue.object(["known_hosts": .string(firstKey)]).jsonString())
                #expect(confirmed.status == 200 && confirmed.json["known_hosts_confirmed"] == .bool(true), "\(confirmed.json.jsonString())")

                // The server's key changes: the clone is refused, nothing runs, and the error says what to do.
                try await hosts.replaceHostKey(of: host)
                let refused = try await run("keyed")
                #expect(refused.job["status"] == .string("error"), "\(refused.job.jsonString())")
                let message = refused.job["error"]?.stringValue ?? ""
                #expect(message.contains("the SSH host key of [127.0.0.1]:\(host.port) has changed"), "\(message)")
                #expect(
                    message.contains("ED25519 key \(try await Self.fingerprint(hosts, host))"), "it names the key now offered: \(message)")
                #expect(message.contains("DELETE /api/v1/projects/keyed/known-hosts"), "\(message)")
                #expect(refused.job["commit"] == .null && refused.job["events"] == .number(0), "no ansible-playbook ran")
                #expect(!refused.log.contains("cloned over ssh") && !refused.log.contains("PLAY"), "\(refused.log)")
                let listing = try await RawHTTP.request(port: port, "GET", "/api/v1/projects/keyed/playbooks")
                #expect(listing.status == 502, "listing the playbooks checks the key too")
                #expect(listing.json["detail"]?.stringValue?.contains("has changed") == true, "\(listing.json.jsonString())")
                #expect(try await project("keyed")["known_hosts"] == .string(firstKey + "\n"), "a refusal changes no keys")

                // Cleared, the next run trusts the new key, unconfirmed.
                let cleared = try await RawHTTP.request(port: port, "DELETE", "/api/v1/projects/keyed/known-hosts")
                #expect(cleared.status == 200 && cleared.json["known_hosts"] == .string(""), "\(cleared.json.jsonString())")
                let again = try await run("keyed")
                #expect(again.job["status"] == .string("successful"), "\(again.job.jsonString())")
                let relearned = try await project("keyed")
                #expect(relearned["known_hosts"] == .string(try hosts.knownHostsLine(of: host) + "\n"))
                #expect(relearned["known_hosts_confirmed"] == .bool(false))
                let trail = try await RawHTTP.request(port: port, "GET", "/api/v1/audit").json.jsonString()
                #expect(trail.contains("project.known_hosts.confirm") && trail.contains("project.known_hosts.clear"), "\(trail)")

                // Keys given up front are the admin's: confirmed, and the first clone is checked against them.
                let given = try await save("given", knownHosts: firstKey)
                #expect(given.status == 201 && given.json["known_hosts_confirmed"] == .bool(true), "\(given.json.jsonString())")
                let mismatch = try await run("given")
                #expect(mismatch.job["status"] == .string("error"), "\(mismatch.job.jsonString())")
                #expect(mismatch.job["error"]?.stringValue?.contains("has changed") == true, "\(mismatch.job.jsonString())")
                let elsewhere = try await save("given", knownHosts: Self.otherHostKey)
                #expect(elsewhere.status == 200)
                let noKey = try await run("given")
                #expect(
                    noKey.job["error"]?.stringValue?.contains("no SSH host key of [127.0.0.1]:\(host.port) is among the known hosts")
                        == true,
                    "\(noKey.job.jsonString())")
                #expect(try await save("given", knownHosts: try hosts.knownHostsLine(of: host)).status == 200)
                let matching = try await run("given")
                #expect(matching.job["status"] == .string("successful"), "\(matching.job.jsonString())")
                #expect(try await project("given")["known_hosts_confirmed"] == .bool(true), "nothing was learned over the admin's keys")

                let bad = try await save("given", knownHosts: "@cert-authority *.example.com ssh-ed25519 AAAA")
                #expect(bad.status == 400, "\(bad.json.jsonString())")
                #expect(bad.json["error"]?.stringValue?.contains("line 1 starts with a marker (@cert-authority)") == true)
            }
        }
    }

    /// A bare repository with a playbook and a local inventory, owned by the SSH hosts' user,
    /// since the host's git reads only repositories its user owns.
    static func bareRepository(readableBy user: String) async throws -> String {
        let scratch = try TestPaths.scratch("git-host-key")
        try await GitProjectTests.commit(
            [
                "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: \"cloned over ssh\" }\n",
                "hosts.ini": TestPaths.localInventory(["node1"]),
            ], in: scratch + "/work", message: "over ssh")
        let bare = scratch + "/repo.git"
        try await TestTool.run("git", ["clone", "--quiet", "--bare", scratch + "/work", bare])
        if getuid() == 0 { try await TestTool.run("/bin/chown", ["-R", user, bare]) }
        return bare
    }

    /// The host's key fingerprint as `ssh-keygen -l` prints it (`SHA256:…`).
    static func fingerprint(_ hosts: SSHTestHosts, _ host: SSHTestHosts.Host) async throws -> String {
        let listed = try await TestTool.run("ssh-keygen", ["-l", "-f", hosts.directory + "/" + host.name + "/host_key.pub"])
        return String(try #require(listed.split(separator: " ").dropFirst().first))
    }
}
