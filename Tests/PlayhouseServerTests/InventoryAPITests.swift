import Foundation
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

@Suite struct InventoryAPITests {
    static let script = """
        #!/bin/sh
        if [ "$1" = "--list" ]; then
          printf '{"%s": {"hosts": ["x1", "x2"]}, "_meta": {"hostvars": {}}, "all": {"vars": {"ansible_connection": "local",\
         "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}' "${TEAM:-ops}"
        else
          echo '{}'
        fi
        """

    func body(_ name: String, _ kind: String, _ content: String) -> String {
        JSONValue.object(["name": .string(name), "kind": .string(kind), "content": .string(content)]).jsonString()
    }

    @Test func storedInventoriesAreManagedAndUsedByLaunches() async throws {
        try await ServerFixture.with { client, _ in
            let created = try await client.json(.post, "/api/v1/inventories", body: body("team", "script", Self.script))
            #expect(created.status == .created)
            let id = try #require(created.json["id"]?.intValue)
            #expect(created.headers[.location] == "/api/v1/inventories/\(id)")

            let hosts = try await client.json(.get, "/api/v1/inventories/\(id)/hosts?env.TEAM=blue")
            #expect(hosts.status == .ok)
            #expect(hosts.json["blue"]?["hosts"] == .array([.string("x1"), .string("x2")]))

            let job = try await client.launch(#"{"project":"demo","playbook":"hello.yml","inventory":"\#(id)","env":{"TEAM":"red"}}"#)
            let ended = try await client.waitForEnd(job)
            #expect(ended["status"] == .string("successful"))
            guard case .object(let ran)? = ended["hosts"] else { throw TestFailure("no hosts") }
            #expect(Set(ran.keys) == ["x1", "x2"])

            #expect(try await client.json(.post, "/api/v1/inventories", body: body("team", "static", "a\n")).status == .conflict)
            #expect(try await client.json(.post, "/api/v1/inventories", body: body("s", "script", "no shebang")).status == .badRequest)
            #expect(try await client.json(.post, "/api/v1/inventories", body: body("s", "weird", "x")).status == .badRequest)
            let updated = try await client.json(.put, "/api/v1/inventories/\(id)", body: body("team", "static", "[web]\nw1\n"))
            #expect(updated.json["kind"] == .string("static"))
            let listed = try await client.json(.get, "/api/v1/inventories").json
            #expect(listed["inventories"]?.jsonString().contains("\"name\":\"team\"") == true)
            #expect(try await client.json(.delete, "/api/v1/inventories/\(id)").status == .noContent)
            #expect(try await client.json(.get, "/api/v1/inventories/\(id)").status == .notFound)
        }
    }

    @Test func anInventoryThatFailsToResolveIsExplained() async throws {
        try await ServerFixture.with { client, _ in
            let created = try await client.json(
                .post, "/api/v1/inventories", body: body("broken", "script", "#!/bin/sh\necho 'cmdb down' >&2\nexit 1\n"))
            let id = try #require(created.json["id"]?.intValue)
            let hosts = try await client.json(.get, "/api/v1/inventories/\(id)/hosts")
            #expect(hosts.status == .unprocessableContent)
            #expect(hosts.json["detail"]?.stringValue?.contains("cmdb down") == true, "\(hosts.json.jsonString())")
        }
    }

    @Test func projectsListTheirPlaybooksAndInventories() async throws {
        try await ServerFixture.with { client, _ in
            let projects = try await client.json(.get, "/api/v1/projects").json
            #expect(projects["projects"]?.jsonString().contains("\"name\":\"demo\"") == true)
            let demo = try await client.json(.get, "/api/v1/projects/demo/playbooks").json
            #expect(demo["playbooks"]?.jsonString().contains("deploy-nginx.yml") == true)
            #expect(demo["inventories"]?.jsonString().contains("inventory/cmdb.py") == true)
            #expect(try await client.json(.get, "/api/v1/projects/nope/playbooks").status == .notFound)
        }
    }
}
