import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// Launching a job again: all its hosts, or only those that failed or were unreachable.
@Suite struct RelaunchTests {
    static let files = [
        "flaky.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.ping:
            - ansible.builtin.fail: { msg: "b breaks" }
              when: inventory_hostname == 'b'
        """,
        "hosts.ini": """
        [all]
        a
        b
        c
        [all:vars]
        ansible_connection=local
        ansible_python_interpreter="{{ ansible_playbook_python }}"
        [away]
        d ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1
        """,
    ]

    func hosts(_ job: JSONValue) -> [String] {
        guard case .object(let hosts)? = job["hosts"] else { return [] }
        return hosts.keys.sorted()
    }

    @Test func failedHostsAreRunAgainAloneAndAllHostsOnRequest() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        try await ServerFixture.with(projects: projects) { client, _ in
            let first = try await client.launch(#"{"project":"p","playbook":"flaky.yml","inventory":"hosts.ini","extra_vars":{"x":1}}"#)
            let ended = try await client.waitForEnd(first)
            #expect(ended["status"] == .string("failed"))
            #expect(ended["hosts"]?["b"]?["failed"] == .number(1))
            #expect(ended["hosts"]?["d"]?["unreachable"] == .number(1))

            let failed = try await client.json(.post, "/api/v1/jobs/\(first)/relaunch", body: #"{"hosts":"failed"}"#)
            #expect(failed.status == .accepted, "\(failed.json.jsonString())")
            #expect(failed.json["limit"] == .string("b,d"))
            #expect(failed.json["relaunch_of"] == .number(Double(first)))
            #expect(failed.json["extra_vars"] == .object(["x": .number(1)]), "the same parameters")
            let again = try await client.waitForEnd(Int64(try #require(failed.json["id"]?.intValue)))
            #expect(hosts(again) == ["b", "d"], "only the failed and unreachable hosts ran")

            let all = try await client.json(.post, "/api/v1/jobs/\(first)/relaunch")
            #expect(all.status == .accepted)
            let everything = try await client.waitForEnd(Int64(try #require(all.json["id"]?.intValue)))
            #expect(hosts(everything) == ["a", "b", "c", "d"])
            #expect(everything["launched_by"] == .string("admin"))

            let fine = try await client.launch(#"{"project":"p","playbook":"flaky.yml","inventory":"hosts.ini","limit":"a"}"#)
            _ = try await client.waitForEnd(fine)
            let nothing = try await client.json(.post, "/api/v1/jobs/\(fine)/relaunch", body: #"{"hosts":"failed"}"#)
            #expect(nothing.status == .badRequest)
            #expect(nothing.json["error"] == .string("job \(fine) has no failed or unreachable hosts"))
            let weird = try await client.json(.post, "/api/v1/jobs/\(first)/relaunch", body: #"{"hosts":"some"}"#)
            #expect(weird.status == .badRequest)
            #expect(try await client.json(.post, "/api/v1/jobs/999/relaunch").status == .notFound)
            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            #expect(audit.contains("job.relaunch") && audit.contains("of job \(first), failed hosts"))
        }
    }
}
