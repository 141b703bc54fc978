import Foundation
import HummingbirdTesting
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// An operator's token, used as an attacker would: everything a launch carries (extra
/// vars, survey answers, webhook bodies, limit, tags, env) must stay data and may not run
/// a command or read a file on the worker. Each attack runs real `ansible-playbook`; a
/// marker file that must not appear proves nothing ran.
@Suite struct LaunchAttackTests {
    static let files = [
        "show.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.debug:
                msg: "note=[{{ note | default('none') }}] greeting=[{{ greeting | default('none') }}]"
        """,
        "env.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.debug:
                msg: "region=[{{ lookup('env', 'REGION') }}]"
        """,
        "hosts.ini": TestPaths.localInventory(["a"]),
    ]

    /// Runs `body` with a live server over a project `p` holding `show.yml`, and the
    /// token of an operator granted every project.
    func withOperator(
        _ body: @escaping @Sendable (_ port: Int, _ operatorAuth: [String: String], _ store: Store, _ scratch: String) async throws -> Void
    ) async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        let scratch = try TestPaths.scratch("attack")
        try await ServerFixture.with(projects: projects) { client, store in
            let port = try #require(client.port)
            let olive = try await store.users.create(name: "olive", role: .operator, password: "olive-password", cost: 4)
            let token = try await store.users.createToken(userID: olive.id, name: "t", expiresAt: nil).1
            _ = try await store.users.createGrant(subjectKind: .user, subject: "olive", resourceKind: .project, resource: "*")
            _ = try await store.users.createGrant(subjectKind: .user, subject: "olive", resourceKind: .inventory, resource: "*")
            try await body(port, ["Authorization": "Bearer \(token)"], store, scratch)
        }
    }

    func launch(_ port: Int, _ auth: [String: String], _ body: String) async throws -> RawHTTP.Response {
        try await RawHTTP.send(port: port, "POST", "/api/v1/jobs", headers: auth, body: body)
    }

    func log(_ port: Int, ofLaunch response: RawHTTP.Response) async throws -> String {
        let id = try #require(JSONValue.parse(response.body)?["id"]?.intValue, "launch answered \(response.status): \(response.body)")
        let job = try await waitForEnd(port: port, id)
        #expect(job["status"]?.stringValue == "successful", "\(job.jsonString())")
        return try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/stdout?ansi=0").body
    }

    @Test func jinjaInLaunchValuesIsTextWhileATemplatesOwnVarsAreTemplated() async throws {
        try await withOperator { port, auth, store, scratch in
            let marker = scratch + "/ran"
            let attack = "{{ lookup('pipe', 'touch \(marker) && id -un') }}"
            let asJSON = JSONValue.string(attack).jsonString()
            // As a JSON object and as YAML text.
            for body in [
                #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","extra_vars":{"note":\#(asJSON)}}"#,
                #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","#
                    + #""extra_vars":\#(JSONValue.string("note: \"\(attack)\"").jsonString())}"#,
            ] {
                let output = try await log(port, ofLaunch: try await launch(port, auth, body))
                #expect(output.contains("note=[\(attack)]"), "the value arrives as written: \(output)")
                #expect(!FileManager.default.fileExists(atPath: marker), "the lookup ran on the worker")
            }

            // A template's own extra vars were written by an admin and are templated; a
            // survey answer and a prompted extra var are not.
            let template = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body: """
                    {"name":"t","project":"p","playbook":"show.yml","inventory":"hosts.ini","prompts":["extra_vars"],
                     "extra_vars":{"greeting":"{{ 'hello' | upper }}"},
                     "survey":[{"variable":"note","question":"Note","type":"text"}]}
                    """)
            let templateID = try #require(template.json["id"]?.intValue, "\(template.json.jsonString())")
            let surveyed = try await RawHTTP.send(
                port: port, "POST", "/api/v1/templates/\(templateID)/launch", headers: auth,
                body: #"{"survey":{"note":\#(asJSON)}}"#)
            let output = try await log(port, ofLaunch: surveyed)
            #expect(output.contains("note=[\(attack)] greeting=[HELLO]"), "\(output)")
            let job = JSONValue.parse(surveyed.body)
            #expect(job?["templated_vars"] == .array([.string("greeting")]))

            let prompted = try await RawHTTP.send(
                port: port, "POST", "/api/v1/templates/\(templateID)/launch", headers: auth,
                body: #"{"extra_vars":{"greeting":\#(asJSON)}}"#)
            #expect(try await log(port, ofLaunch: prompted).contains("greeting=[\(attack)]"))

            // A webhook's body reaches the same path.
            let hook = try await RawHTTP.request(port: port, "POST", "/api/v1/templates/\(templateID)/hook")
            let hookURL = try #require(hook.json["url"]?.stringValue, "\(hook.json.jsonString())")
            let hookToken = try #require(hook.json["token"]?.stringValue)
            let hooked = try await RawHTTP.send(
                port: port, "POST", hookURL, headers: ["X-Playhouse-Token": hookToken],
                body: #"{"extra_vars":{"note":\#(asJSON)}}"#, signedIn: false)
            #expect(try await log(port, ofLaunch: hooked).contains("note=[\(attack)]"))
            #expect(!FileManager.default.fileExists(atPath: marker), "the lookup ran on the worker")
            _ = store
        }
    }

    @Test func connectionAndExecutionVariablesAreAnAdminsToSet() async throws {
        try await withOperator { port, auth, _, scratch in
            let marker = scratch + "/interpreter-ran"
            for (name, value) in [
                ("ansible_python_interpreter", "/bin/sh -c 'touch \(marker)'"),
                ("ansible_ssh_common_args", "-o ProxyCommand=touch \(marker)"),
                ("ansible_host", "attacker.example"),
                ("ansible_port", "2222"),
                ("ansible_become_exe", "touch \(marker)"),
                ("ansible_shell_executable", "/tmp/x"),
                ("ANSIBLE_HOST", "x"),
                ("hostvars", "x"),
                ("inventory_hostname", "x"),
            ] {
                let refused = try await launch(
                    port, auth, #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","extra_vars":{"\#(name)":"\#(value)"}}"#)
                #expect(refused.status == 400, "\(name): \(refused.body)")
                #expect(refused.body.contains("\\\"\(name)\\\" is not a launcher's to set"), "\(refused.body)")
            }
            #expect(!FileManager.default.fileExists(atPath: marker))

            // An admin may; so may a launcher of a template that allows the name.
            let admin = try await RawHTTP.send(
                port: port, "POST", "/api/v1/jobs",
                body: #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","extra_vars":{"ansible_port":2222}}"#)
            #expect(admin.status == 202, "\(admin.body)")
            let unlisted = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body:
                    #"{"name":"bad","project":"p","playbook":"show.yml","inventory":"hosts.ini","#
                    + #""survey":[{"variable":"ansible_user","question":"User","type":"text"}]}"#
            )
            #expect(
                unlisted.status == 400 && unlisted.json["error"]?.stringValue?.contains("allowed_vars") == true,
                "\(unlisted.json.jsonString())")
            let template = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body: """
                    {"name":"t","project":"p","playbook":"show.yml","inventory":"hosts.ini","prompts":["extra_vars"],
                     "allowed_vars":["ansible_user"],"survey":[{"variable":"ansible_user","question":"User","type":"text"}]}
                    """)
            let id = try #require(template.json["id"]?.intValue, "\(template.json.jsonString())")
            #expect(template.json["allowed_vars"] == .array([.string("ansible_user")]))
            let allowed = try await RawHTTP.send(
                port: port, "POST", "/api/v1/templates/\(id)/launch", headers: auth, body: #"{"survey":{"ansible_user":"deploy"}}"#)
            #expect(allowed.status == 202, "\(allowed.body)")
            let other = try await RawHTTP.send(
                port: port, "POST", "/api/v1/templates/\(id)/launch", headers: auth, body: #"{"extra_vars":{"ansible_host":"elsewhere"}}"#)
            #expect(other.status == 400, "\(other.body)")

            // A webhook launches as the admin who made it, but its body comes from whoever
            // holds the token: held to a launcher's rules.
            let hook = try await RawHTTP.request(port: port, "POST", "/api/v1/templates/\(id)/hook")
            let hookURL = try #require(hook.json["url"]?.stringValue, "\(hook.json.jsonString())")
            let hookToken = try #require(hook.json["token"]?.stringValue)
            let hooked = try await RawHTTP.send(
                port: port, "POST", hookURL, headers: ["X-Playhouse-Token": hookToken],
                body: #"{"extra_vars":{"ansible_ssh_common_args":"-o ProxyCommand=touch \#(marker)"}}"#, signedIn: false)
            #expect(hooked.status == 400 && hooked.body.contains("is not a launcher's to set"), "\(hooked.body)")
        }
    }

    @Test func limitAndTagsNameNoFile() async throws {
        try await withOperator { port, auth, _, _ in
            for limit in [
                "all, @/etc/passwd", "all:@/etc/passwd", "a,!@/etc/passwd", "a:&@/etc/passwd", "@/etc/passwd", "a\n@/etc/passwd",
                // Python's strip() removes these; Ansible would then see @/etc/passwd.
                "all,\u{A0}@/etc/passwd", "all:\u{3000}@/etc/passwd",
            ] {
                let refused = try await launch(
                    port, auth,
                    #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","limit":\#(JSONValue.string(limit).jsonString())}"#)
                #expect(refused.status == 400, "limit \(limit): \(refused.body)")
                #expect(!refused.body.contains("root:x:0"), "the file's lines never come back")
            }
            for tags in [#"["@/etc/passwd"]"#, #"["--list-hosts"]"#, #""a,@b""#] {
                let refused = try await launch(
                    port, auth, #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","tags":\#(tags)}"#)
                #expect(refused.status == 400, "tags \(tags): \(refused.body)")
            }
            // Patterns that are only patterns still work.
            let fine = try await launch(port, auth, #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","limit":"all:!b,a"}"#)
            _ = try await log(port, ofLaunch: fine)
        }
    }

    @Test func aLauncherSetsOnlyDeclaredEnvironment() async throws {
        try await withOperator { port, auth, store, _ in
            let undeclared = try await launch(
                port, auth, #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","env":{"SHELLOPTS":"xtrace","PS4":"$(id)"}}"#)
            #expect(undeclared.status == 400, "\(undeclared.body)")
            let proxy = try await launch(port, auth, #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","env":{"FOO":"1"}}"#)
            #expect(proxy.status == 400 && proxy.body.contains("declares no environment"), "\(proxy.body)")
            // The demo project declares CMDB_GROUP in its playhouse.json.
            let demo = TestPaths.examples + "/demo/playhouse.json"
            let declared = try ProjectCatalog(root: TestPaths.examples).declaredEnvironment(of: "demo")
            #expect(declared == ["CMDB_GROUP"], "\(demo)")
            // A template declares its own; the reserved names stay refused even there.
            let template = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body:
                    #"{"name":"t","project":"p","playbook":"show.yml","inventory":"hosts.ini","prompts":["env"],"allowed_env":["REGION"]}"#)
            let id = try #require(template.json["id"]?.intValue, "\(template.json.jsonString())")
            let region = try await RawHTTP.send(
                port: port, "POST", "/api/v1/templates/\(id)/launch", headers: auth, body: #"{"env":{"REGION":"eu"}}"#)
            #expect(region.status == 202, "\(region.body)")
            let other = try await RawHTTP.send(
                port: port, "POST", "/api/v1/templates/\(id)/launch", headers: auth, body: #"{"env":{"OTHER":"eu"}}"#)
            #expect(other.status == 400, "\(other.body)")
            let reserved = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body: #"{"name":"t2","project":"p","playbook":"show.yml","inventory":"hosts.ini","allowed_env":["LD_PRELOAD"]}"#)
            #expect(reserved.status == 400)

            // Viewers set no env on an inventory's hosts; operators only declared names.
            let inventory = try await store.inventories.create(name: "i", kind: .static, content: "a\n")
            let vera = try await store.users.create(name: "vera", role: .viewer, password: "vera-password", cost: 4)
            let veraToken = try await store.users.createToken(userID: vera.id, name: "t", expiresAt: nil).1
            _ = try await store.users.createGrant(subjectKind: .user, subject: "vera", resourceKind: .inventory, resource: "*")
            let viewer = try await RawHTTP.send(
                port: port, "GET", "/api/v1/inventories/\(inventory.id)/hosts?env.REGION=x",
                headers: ["Authorization": "Bearer \(veraToken)"])
            #expect(viewer.status == 403, "\(viewer.body)")
            #expect(
                try await RawHTTP.send(port: port, "GET", "/api/v1/inventories/\(inventory.id)/hosts?env.REGION=x", headers: auth).status
                    == 200)
            #expect(
                try await RawHTTP.send(port: port, "GET", "/api/v1/inventories/\(inventory.id)/hosts?env.NOPE=x", headers: auth).status
                    == 400)
        }
    }

    @Test func envValuesAreMaskedAndGitURLsCarryNoToken() async throws {
        try await withOperator { port, auth, _, _ in
            let template = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body: #"{"name":"t","project":"p","playbook":"env.yml","inventory":"hosts.ini","prompts":["env"],"allowed_env":["REGION"]}"#
            )
            let id = try #require(template.json["id"]?.intValue, "\(template.json.jsonString())")
            let launched = try await RawHTTP.send(
                port: port, "POST", "/api/v1/templates/\(id)/launch", headers: auth, body: #"{"env":{"REGION":"token-7f3a9c"}}"#)
            let output = try await log(port, ofLaunch: launched)
            #expect(output.contains("region=[\(SecretMask.replacement)]"), "\(output)")
            #expect(!output.contains("token-7f3a9c"))
            #expect(!launched.body.contains("token-7f3a9c"), "the job shows env names only")

            for url in ["https://ghp_token123@github.com/acme/site.git", "http://user@git.example/x.git"] {
                let refused = try await RawHTTP.request(port: port, "POST", "/api/v1/projects", body: #"{"name":"g","url":"\#(url)"}"#)
                #expect(refused.status == 400, "\(url): \(refused.json.jsonString())")
                #expect(refused.json["error"]?.stringValue?.contains("user part") == true)
            }
        }
    }

    @Test func hostileYAMLAndJSONAreRefusedAndTheServerStaysUp() async throws {
        try await withOperator { port, auth, store, _ in
            let laughs =
                (["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
                + (1...9).map { level in
                    "\(Character(UnicodeScalar(UInt8(97 + level)))): &\(Character(UnicodeScalar(UInt8(97 + level)))) "
                        + "[" + Array(repeating: "*\(Character(UnicodeScalar(UInt8(96 + level))))", count: 9).joined(separator: ",") + "]"
                }).joined(separator: "\n")
            let cases: [(String, String)] = [
                ("? [a]\n: b", "keys must be plain text"),
                ("? {a: 1}\n: b", "keys must be plain text"),
                (laughs, "more than"),
                (String(repeating: "[", count: 100_000), "nest"),
                (String(repeating: "- ", count: 50_000) + "x", "nest"),
                (
                    "a: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
                    "nests lists and mappings more than 32 deep"
                ),
                ("a: .inf", "not a finite number"),
                ("a: !!python/object:os.system x", "tag"),
                ("a: 1\n---\nb: 2", "more than one"),
                ("a: 1\na: 2", "twice"),
                ("- a\n- b", "mapping"),
                ("bad-name: 1", "variable named"),
                ("a: *nowhere", "alias"),
                ("a: [", "not valid YAML"),
                // Base-60 integers: Yams would overflow computing this one and trap.
                ("a: 1:0:0:0:0:0:0:0:0:0:0", "too large"),
                ("a: 9999999999999:0:0:0:0:0", "too large"),
            ]
            for (yaml, reason) in cases {
                let response = try await launch(
                    port, auth,
                    #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","extra_vars":\#(JSONValue.string(yaml).jsonString())}"#)
                #expect(response.status == 400, "\(yaml.prefix(40)): \(response.status) \(response.body.prefix(300))")
                #expect(response.body.contains(reason), "\(yaml.prefix(40)): \(response.body.prefix(300))")
            }
            // JSON objects are held to the same limits.
            let deep = String(repeating: #"{"a":"#, count: 40) + "1" + String(repeating: "}", count: 40)
            for extraVars in [#"{"x":\#(deep)}"#, #"{"x":1e999}"#, #"{"a b":1}"#] {
                let response = try await launch(
                    port, auth, #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","extra_vars":\#(extraVars)}"#)
                #expect(response.status == 400, "\(extraVars.prefix(40)): \(response.body.prefix(200))")
            }
            // Numbers too large for an id once trapped the whole server (found by schemathesis).
            for inventory in ["1e300", "-1e300", "9.3e18"] {
                let response = try await launch(port, auth, #"{"project":"p","playbook":"show.yml","inventory":\#(inventory)}"#)
                #expect(response.status == 400, "inventory \(inventory): \(response.body.prefix(200))")
            }
            let huge = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body:
                    #"{"name":"huge","project":"p","playbook":"show.yml","inventory":"hosts.ini","#
                    + #""survey":[{"variable":"v","question":"V","type":"text","min":1e300}]}"#
            )
            let hugeID = try #require(huge.json["id"]?.intValue, "\(huge.json.jsonString())")
            let answered = try await RawHTTP.send(
                port: port, "POST", "/api/v1/templates/\(hugeID)/launch", headers: auth, body: #"{"survey":{"v":"x"}}"#)
            #expect(answered.status == 400 && answered.body.contains("at least 1e+300 characters"), "\(answered.body)")
            // YAML that is fine: anchors, merge keys, typed scalars.
            let fine = "base: &b {x: 1, z: 0}\nnote: !unsafe \"{{ no }}\"\nmerged:\n  <<: *b\n  y: yes\n  z: 5\nt: 1:30\n"
            let response = try await launch(
                port, auth,
                #"{"project":"p","playbook":"show.yml","inventory":"hosts.ini","extra_vars":\#(JSONValue.string(fine).jsonString())}"#)
            let output = try await log(port, ofLaunch: response)
            #expect(output.contains("note=[{{ no }}]"), "\(output)")
            let job = try #require(JSONValue.parse(response.body))
            #expect(
                job["extra_vars"]?["merged"] == .object(["x": .number(1), "y": .bool(true), "z": .number(5)]),
                "own keys win over merged ones")
            #expect(job["extra_vars"]?["t"] == .number(90), "YAML 1.1 base 60, as Ansible reads it")
            // Nothing unreadable was stored: every job lists and reads back.
            let list = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs", headers: auth)
            #expect(list.status == 200)
            #expect(try await RawHTTP.send(port: port, "GET", "/api/v1/health").status == 200)
            _ = store
        }
    }
}
