import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Hosts over the API: each host's results job by job with its failures, seen through the
/// projects the caller may see, and the facts runs gather, kept as the next runs' fact cache.
@Suite(.serialized) struct HostTests {
    static let files = [
        "flaky.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.ping:
            - name: Break b
              ansible.builtin.fail: { msg: "b breaks" }
              when: inventory_hostname == 'b'
        """,
        "hosts.ini": TestPaths.localInventory(["a", "b"]),
    ]

    @Test func hostsShowTheirLatestResultAndHistoryOnlyToThoseWhoSeeTheProject() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        try FileManager.default.createDirectory(atPath: projects + "/other", withIntermediateDirectories: true)
        try Self.files["hosts.ini"]!.write(toFile: projects + "/other/hosts.ini", atomically: true, encoding: .utf8)
        try Self.files["flaky.yml"]!.write(toFile: projects + "/other/flaky.yml", atomically: true, encoding: .utf8)
        try await ServerFixture.with(projects: projects) { client, store in
            let first = try await client.launch(#"{"project":"p","playbook":"flaky.yml","inventory":"hosts.ini"}"#)
            _ = try await client.waitForEnd(first)
            let second = try await client.launch(#"{"project":"p","playbook":"flaky.yml","inventory":"hosts.ini","limit":"a"}"#)
            _ = try await client.waitForEnd(second)
            let hidden = try await client.launch(#"{"project":"other","playbook":"flaky.yml","inventory":"hosts.ini","limit":"b"}"#)
            _ = try await client.waitForEnd(hidden)

            let listed = try await client.json(.get, "/api/v1/hosts").json
            guard case .array(let hosts)? = listed["hosts"] else { throw TestFailure("no hosts: \(listed)") }
            #expect(hosts.map { $0["name"] } == [.string("a"), .string("b")])
            #expect(hosts[0]["job_id"] == .number(Double(second)) && hosts[0]["status"] == .string("ok"))
            #expect(hosts[1]["job_id"] == .number(Double(hidden)) && hosts[1]["status"] == .string("failed"))
            #expect(listed["next_after"] == .null)

            let b = try await client.json(.get, "/api/v1/hosts/b").json
            guard case .array(let results)? = b["results"] else { throw TestFailure("no results: \(b)") }
            #expect(results.map { $0["job_id"] } == [.number(Double(hidden)), .number(Double(first))], "newest first")
            #expect(results[1]["failed_task"] == .string("Break b"))
            #expect(results[1]["failure"] == .string("b breaks"))
            #expect(results[1]["counts"]?["failed"] == .number(1))
            #expect(results[1]["playbook"] == .string("flaky.yml"))

            let page = try await client.json(.get, "/api/v1/hosts?limit=1").json
            #expect(page["next_after"] == .string("a"))
            let rest = try await client.json(.get, "/api/v1/hosts?after=a").json
            #expect(rest["hosts"]?.jsonString().contains(#""name":"b""#) == true)
            #expect(try await client.json(.get, "/api/v1/hosts/nowhere").status == .notFound)
            for bad in [
                "hosts?q=\(String(repeating: "x", count: 201))", "hosts?limit=0", "hosts?limit=501", "hosts/b?before=x",
                "hosts/b?before=-3", "hosts/b?limit=9999", "hosts?limit=", "jobs?limit=", "audit?limit=&before=9", "jobs/1/stream?output=",
            ] {
                let answer = try await client.json(.get, "/api/v1/\(bad)")
                #expect(answer.status == .badRequest, "\(bad): \(answer.json)")
            }
            let odd = try await client.json(.get, "/api/v1/hosts?q=%25%27%22_%5C")
            #expect(odd.status == .ok && odd.json["hosts"] == .array([]), "LIKE's wildcards and quotes are text: \(odd.json)")

            // An operator granted only project p sees b's result in p, not in other.
            let user = try await store.users.create(name: "op", role: .operator, password: "op-password-1", cost: 4)
            _ = try await store.users.createGrant(subjectKind: .user, subject: "op", resourceKind: .project, resource: "p")
            let (_, token) = try await store.users.createToken(userID: user.id, name: "t", expiresAt: nil)
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            let seen = try await client.json(.get, "/api/v1/hosts", headers: auth).json
            #expect(seen["hosts"]?.jsonString().contains(#""job_id":\#(hidden)"#) == false)
            let seenB = try await client.json(.get, "/api/v1/hosts/b", headers: auth).json.jsonString()
            #expect(seenB.contains(#""job_id":\#(first)"#) && !seenB.contains(#""job_id":\#(hidden)"#))
        }
    }

    /// Ansible's cache format can mark a value trusted to template; what Playhouse hands a
    /// run as facts is data, whatever the store holds.
    @Test func aCachedFactMarkedTrustedIsNeverTemplated() async throws {
        let marker = try TestPaths.scratch("facts") + "/pwned"
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "show.yml": """
                - hosts: all
                  gather_facts: false
                  tasks:
                    - ansible.builtin.debug: { msg: "evil is {{ ansible_facts.evil }}" }
                """,
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        try await ServerFixture.with(projects: projects) { client, store in
            let attack = "{{ lookup('pipe', 'touch \(marker)') }}"
            let tagged: JSONValue = .object([
                "__ansible_type": .string("_AnsibleTaggedStr"), "value": .string(attack),
                "tags": .array([.object(["__ansible_type": .string("TrustedAsTemplate")])]),
            ])
            try await store.hosts.saveFacts(["a": .object(["ansible_evil": tagged])], project: "p", inventory: "hosts.ini", jobID: 1)
            let id = try await client.launch(#"{"project":"p","playbook":"show.yml","inventory":"hosts.ini"}"#)
            #expect(try await client.waitForEnd(id)["status"] == .string("successful"))
            let output = try await client.text("/api/v1/jobs/\(id)/stdout?ansi=0").2
            #expect(output.contains("evil is {{ lookup('pipe'"), "the fact came through as text: \(output)")
            #expect(!FileManager.default.fileExists(atPath: marker), "the cached fact ran a command")
        }
    }

    @Test func factsGatheredOverSSHAreShownSearchableAndCachedForTheNextRun() async throws {
        try await withSSHTestHosts(count: 2) { hosts in
            let projects = try TestPaths.makeProject(
                "f",
                files: [
                    "gather.yml": "- hosts: all\n  gather_facts: true\n  tasks:\n    - ansible.builtin.ping:\n",
                    "cached.yml": """
                    - hosts: all
                      gather_facts: false
                      tasks:
                        - name: From the cache
                          ansible.builtin.debug: { msg: "cached machine id {{ ansible_facts.machine_id | default('none') }}" }
                    """,
                    "hosts.ini": hosts.inventory(),
                ])
            try await ServerFixture.with(projects: projects) { client, _ in
                let before = try await client.launch(#"{"project":"f","playbook":"cached.yml","inventory":"hosts.ini"}"#)
                _ = try await client.waitForEnd(before)
                let empty = try await client.text("/api/v1/jobs/\(before)/stdout?ansi=0").2
                #expect(empty.contains("cached machine id none"), "no facts before any were gathered")

                let gather = try await client.launch(#"{"project":"f","playbook":"gather.yml","inventory":"hosts.ini"}"#)
                #expect(try await client.waitForEnd(gather)["status"] == .string("successful"))
                let host = hosts.hosts[0].name
                let detail = try await client.json(.get, "/api/v1/hosts/\(host)").json
                guard case .array(let facts)? = detail["facts"], let record = facts.first else { throw TestFailure("no facts: \(detail)") }
                #expect(record["job_id"] == .number(Double(gather)))
                #expect(record["inventory"] == .string("hosts.ini") && record["project"] == .string("f"))
                let machineID = try #require(record["facts"]?["ansible_machine_id"]?.stringValue, "gathered facts: \(record.jsonString())")
                #expect(record["facts"]?["ansible_system"] == .string("Linux"))

                let found = try await client.json(.get, "/api/v1/hosts?q=\(machineID)").json
                #expect(found["hosts"]?.jsonString().contains(#""name":"\#(host)""#) == true, "facts are searchable")

                let cached = try await client.launch(#"{"project":"f","playbook":"cached.yml","inventory":"hosts.ini"}"#)
                #expect(try await client.waitForEnd(cached)["status"] == .string("successful"))
                let output = try await client.text("/api/v1/jobs/\(cached)/stdout?ansi=0").2
                #expect(output.contains("cached machine id \(machineID)"), "gather_facts: false reads the cache: \(output)")
            }
        }
    }
}
