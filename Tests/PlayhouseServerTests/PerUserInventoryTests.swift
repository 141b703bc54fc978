import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Synchronization
import Testing

/// Inventories that answer per person: an HTTP source (a CMDB this test serves itself) and a
/// script, each told who launches.
@Suite struct PerUserInventoryTests {
    static let cmdbToken = "cmdb-token-5d1e"
    static let machines = ["alice": ["alice-1", "alice-2"], "bob": ["bob-1"]]

    /// What the CMDB was asked: user and teams per request.
    final class Requests: Sendable {
        private let seen = Mutex<[(user: String, teams: String)]>([])
        func add(_ user: String, _ teams: String) { seen.withLock { $0.append((user, teams)) } }
        var all: [(user: String, teams: String)] { seen.withLock { $0 } }
    }

    /// A CMDB on a free port for as long as `body` runs: `GET /hosts` answers the machines
    /// of `X-Playhouse-User` to a request with the right bearer token, 401 otherwise.
    func withCMDB<T: Sendable>(_ requests: Requests, _ body: @escaping @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.get("hosts") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.cmdbToken)" else { return Response(status: .unauthorized) }
            let user = request.headers[HTTPField.Name("X-Playhouse-User")!] ?? ""
            requests.add(user, request.headers[HTTPField.Name("X-Playhouse-Teams")!] ?? "")
            let hosts = Self.machines[user] ?? []
            let inventory: JSONValue = .object([
                "cmdb": .object(["hosts": .array(hosts.map(JSONValue.string))]),
                "all": .object([
                    "vars": .object([
                        "ansible_connection": .string("local"), "ansible_python_interpreter": .string("{{ ansible_playbook_python }}"),
                    ])
                ]),
            ])
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: inventory.jsonString())))
        }
        return try await withPeerServer(router) { port in try await body("http://127.0.0.1:\(port)/hosts") }
    }

    @Test func anHTTPInventoryAnswersEachLauncherWithTheirOwnHosts() async throws {
        let requests = Requests()
        try await withCMDB(requests) { url in
            try await ServerFixture.with { client, store in
                let port = try #require(client.port)
                let token = try await client.json(
                    .post, "/api/v1/credentials", body: #"{"name":"cmdb","kind":"token","token":"\#(Self.cmdbToken)"}"#)
                let tokenID = try #require(token.json["id"]?.intValue)
                let created = try await client.json(
                    .post, "/api/v1/inventories",
                    body: #"{"name":"cmdb","kind":"http","content":"\#(url)","credential":\#(tokenID),"timeout":60}"#)
                #expect(created.status == .created, "\(created.json.jsonString())")
                #expect(created.json["credential"] == .number(Double(tokenID)))
                let inventoryID = try #require(created.json["id"]?.intValue)

                let team = try await store.users.createTeam(name: "ops")
                var tokens: [String: String] = [:]
                for name in ["alice", "bob"] {
                    let user = try await store.users.create(name: name, role: .operator, password: "\(name)-password", cost: 4)
                    tokens[name] = try await store.users.createToken(userID: user.id, name: "t", expiresAt: nil).1
                }
                _ = try await store.users.setTeamMembers(team.id, users: ["alice"])
                for kind in [Grant.ResourceKind.project, .inventory] {
                    _ = try await store.users.createGrant(subjectKind: .team, subject: "ops", resourceKind: kind, resource: Grant.any)
                    _ = try await store.users.createGrant(subjectKind: .user, subject: "bob", resourceKind: kind, resource: Grant.any)
                }

                for (name, hosts) in Self.machines.sorted(by: { $0.key < $1.key }) {
                    let auth = ["Authorization": "Bearer \(tokens[name]!)"]
                    let seen = try await RawHTTP.send(port: port, "GET", "/api/v1/inventories/\(inventoryID)/hosts", headers: auth).body
                    for host in Self.machines.values.joined() {
                        #expect(seen.contains(host) == hosts.contains(host), "\(name) sees \(host)? \(seen)")
                    }
                    let launch = try await RawHTTP.send(
                        port: port, "POST", "/api/v1/jobs", headers: auth,
                        body: #"{"project":"demo","playbook":"hello.yml","inventory":"\#(inventoryID)"}"#)
                    #expect(launch.status == 202, "\(launch.body)")
                    let id = Int64(try #require(JSONValue.parse(launch.body)?["id"]?.intValue))
                    let job = try await client.waitForEnd(id)
                    #expect(job["status"] == .string("successful"), "\(job.jsonString())")
                    #expect(job["launched_by"] == .string(name))
                    guard case .object(let ran)? = job["hosts"] else { throw TestFailure("no hosts on \(job.jsonString())") }
                    #expect(ran.keys.sorted() == hosts, "the job ran against \(name)'s machines only")
                    let listed = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs", headers: auth).body
                    #expect(listed.contains(#""id":\#(id)"#), "a grant on every project (*) lists the jobs: \(listed.prefix(200))")
                }
                #expect(requests.all.contains { $0.user == "alice" && $0.teams == "ops" })
                #expect(requests.all.contains { $0.user == "bob" && $0.teams == "" })

                let wrong = try await client.json(
                    .post, "/api/v1/credentials", body: #"{"name":"stale","kind":"token","token":"expired-token"}"#)
                let wrongID = try #require(wrong.json["id"]?.intValue)
                #expect(
                    try await client.json(
                        .put, "/api/v1/inventories/\(inventoryID)",
                        body: #"{"name":"cmdb","kind":"http","content":"\#(url)","credential":\#(wrongID)}"#
                    ).status == .ok)
                let refused = try await client.launch(#"{"project":"demo","playbook":"hello.yml","inventory":"\#(inventoryID)"}"#)
                let failed = try await client.waitForEnd(refused)
                #expect(failed["status"] == .string("error"))
                #expect(failed["error"]?.stringValue?.contains("answered 401 Unauthorized") == true, "\(failed.jsonString())")
            }
        }
    }

    @Test func aScriptInventoryIsToldWhoLaunches() async throws {
        try await ServerFixture.with { client, store in
            let script = """
                #!/bin/sh
                printf '{"all":{"hosts":["%s-box"],"vars":{"ansible_connection":"local",\
                "ansible_python_interpreter":"{{ ansible_playbook_python }}"}},"_meta":{"hostvars":{}},\
                "teams":{"vars":{"teams":"%s"}}}' "$PLAYHOUSE_USER" "$PLAYHOUSE_TEAMS"
                """
            let created = try await client.json(
                .post, "/api/v1/inventories",
                body: JSONValue.object(["name": .string("who"), "kind": .string("script"), "content": .string(script)]).jsonString())
            let inventoryID = try #require(created.json["id"]?.intValue)
            let team = try await store.users.createTeam(name: "night-shift")
            _ = try await store.users.setTeamMembers(team.id, users: ["admin"])
            let id = try await client.launch(#"{"project":"demo","playbook":"hello.yml","inventory":"\#(inventoryID)"}"#)
            let job = try await client.waitForEnd(id)
            #expect(job["status"] == .string("successful"), "\(job.jsonString())")
            guard case .object(let ran)? = job["hosts"] else { throw TestFailure("no hosts") }
            #expect(ran.keys.sorted() == ["admin-box"])

            let refused = try await client.json(
                .post, "/api/v1/jobs",
                body: #"{"project":"demo","playbook":"hello.yml","inventory":"\#(inventoryID)","env":{"PLAYHOUSE_USER":"someone-else"}}"#)
            #expect(refused.status == .badRequest, "a launch cannot pretend to be someone else")
        }
    }

    @Test(arguments: [
        (#"{"name":"x","kind":"http","content":"ftp://cmdb/hosts"}"#, "an http inventory's content must be an http:// or https:// URL"),
        (#"{"name":"x","kind":"http","content":"http://cmdb/hosts","credential":999}"#, "credential 999 does not exist"),
        (
            #"{"name":"x","kind":"http","content":"http://cmdb/hosts","timeout":0}"#,
            "timeout must be a number of seconds above 0 and at most 300"
        ),
        (#"{"name":"x","kind":"static","content":"a","timeout":3}"#, "credential and timeout are for http inventories"),
    ])
    func badHTTPInventoriesAreRefused(body: String, reason: String) async throws {
        try await ServerFixture.with { client, _ in
            let answer = try await client.json(.post, "/api/v1/inventories", body: body)
            #expect(answer.status == .badRequest)
            #expect(answer.json["error"] == .string(reason), "\(answer.json.jsonString())")
        }
    }
}
