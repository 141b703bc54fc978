import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// Projects kept in git: a repository this test makes, with a role from another repository
/// and a collection from a folder, both installed by ansible-galaxy for each run.
@Suite struct GitProjectTests {
    /// Writes `files` into `directory`, commits them on `main`, and returns the commit.
    @discardableResult
    static func commit(_ files: [String: String], in directory: String, message: String) async throws -> String {
        for (path, content) in files {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
        }
        if !FileManager.default.fileExists(atPath: directory + "/.git") {
            try await TestTool.run("git", ["init", "--quiet", "--initial-branch=main"], in: directory)
        }
        try await TestTool.run("git", ["add", "--all"], in: directory)
        try await TestTool.run(
            "git", ["-c", "user.name=Tester", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", message], in: directory)
        return try await TestTool.run("git", ["rev-parse", "HEAD"], in: directory).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func site(_ greeting: String) -> String {
        """
        - hosts: all
          gather_facts: false
          roles:
            - role: greeter
              vars: { greeting: "\(greeting)" }
            - role: playhouse.demo.hello
        """
    }

    /// A role repository `greeter` in `scratch` whose task prints `message`; its path.
    static func greeterRole(in scratch: String, message: String) async throws -> String {
        let role = scratch + "/greeter"
        try await commit(
            [
                "tasks/main.yml": "- ansible.builtin.debug: { msg: \"\(message)\" }\n",
                "meta/main.yml":
                    "galaxy_info: { author: tester, description: greets, license: MIT, min_ansible_version: '2.15' }\ndependencies: []\n",
            ], in: role, message: "role")
        return role
    }

    @Test func aGitProjectIsClonedForEachRunWithItsRequirements() async throws {
        let scratch = try TestPaths.scratch("git-project")
        let role = try await Self.greeterRole(in: scratch, message: "greeter role says {{ greeting }}")
        let collection = scratch + "/collection"
        for (path, content) in [
            "galaxy.yml": "namespace: playhouse\nname: demo\nversion: 1.0.0\nreadme: README.md\nauthors: [tester]\n",
            "README.md": "test collection\n",
            "roles/hello/tasks/main.yml": "- ansible.builtin.debug: { msg: \"collection role says hello\" }\n",
        ] {
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: collection + "/" + path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try content.write(toFile: collection + "/" + path, atomically: true, encoding: .utf8)
        }
        let repository = scratch + "/repo"
        let first = try await Self.commit(
            [
                "site.yml": Self.site("hello from git"),
                "hosts.ini": TestPaths.localInventory(["node1"]),
                "roles/requirements.yml": "- src: git+file://\(role)\n  name: greeter\n",
                "collections/requirements.yml": "collections:\n  - name: \(collection)\n    type: dir\n",
            ], in: repository, message: "first")

        // Raw sockets throughout: a clone in a request may take a while on a busy machine.
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> (status: Int, json: JSONValue) {
                try await RawHTTP.request(port: port, method, path, body: body)
            }
            func launch() async throws -> Int {
                let answer = try await call("POST", "/api/v1/jobs", #"{"project":"gitdemo","playbook":"site.yml","inventory":"hosts.ini"}"#)
                return try #require(answer.json["id"]?.intValue, "launch answered \(answer.status): \(answer.json.jsonString())")
            }
            func output(_ id: Int) async throws -> String {
                try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/stdout?ansi=0").body
            }
            let created = try await call("POST", "/api/v1/projects", #"{"name":"gitdemo","url":"file://\#(repository)","branch":"main"}"#)
            #expect(created.status == 201, "\(created.json.jsonString())")
            let projects = try await call("GET", "/api/v1/projects").json.jsonString()
            #expect(projects.contains(#""kind":"git""#) && projects.contains(#""name":"gitdemo""#))
            let contents = try await call("GET", "/api/v1/projects/gitdemo/playbooks").json
            #expect(contents["playbooks"] == .array([.string("site.yml")]), "\(contents.jsonString())")
            #expect(contents["inventories"] == .array([.string("hosts.ini")]))

            let one = try await launch()
            let ended = try await waitForEnd(port: port, one)
            #expect(ended["status"] == .string("successful"), "\(ended.jsonString())")
            #expect(ended["commit"] == .string(first))
            let log = try await output(one)
            #expect(log.contains("Checked out file://\(repository) (branch main) at \(first)"))
            #expect(log.contains("greeter role says hello from git"), "the role came from roles/requirements.yml")
            #expect(log.contains("collection role says hello"), "the collection came from collections/requirements.yml")

            let second = try await Self.commit(["site.yml": Self.site("a newer commit")], in: repository, message: "second")
            let two = try await launch()
            let again = try await waitForEnd(port: port, two)
            #expect(again["commit"] == .string(second), "each run fetches the branch afresh")
            let secondLog = try await output(two)
            #expect(secondLog.contains("greeter role says a newer commit"))
            #expect(!log.contains("from the cache"), "the first run installed the requirements")
            #expect(
                secondLog.contains("Requirements of roles/requirements.yml from the cache")
                    && secondLog.contains("Requirements of collections/requirements.yml from the cache"),
                "the second run, with the same requirement files, reused them: \(secondLog)")

            #expect(
                try await call("POST", "/api/v1/projects", #"{"name":"gitdemo","url":"file://\#(repository)","branch":"nope"}"#).status
                    == 200)
            let broken = try await launch()
            let failed = try await waitForEnd(port: port, broken)
            #expect(failed["status"] == .string("error"))
            #expect(
                failed["error"]?.stringValue?.contains("git could not clone file://\(repository) (branch nope)") == true,
                "\(failed.jsonString())")

            #expect(
                try await call("POST", "/api/v1/projects", #"{"name":"demo","url":"file:///x"}"#).status == 409,
                "a folder project of that name exists")
            #expect(try await call("POST", "/api/v1/projects", #"{"name":"x","url":"--upload-pack=evil"}"#).status == 400)
            #expect(try await call("DELETE", "/api/v1/projects/gitdemo").status == 204)
        }
    }

    @Test func runsCheckOutFromAMirrorThatOutlivesTheRemote() async throws {
        let scratch = try TestPaths.scratch("git-mirror")
        let repository = scratch + "/repo"
        let hello = "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: \"says %@\" }\n"
        let first = try await Self.commit(
            ["hello.yml": hello.replacing("%@", with: "one"), "hosts.ini": TestPaths.localInventory(["node1"])], in: repository,
            message: "first")
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            let created = try await RawHTTP.request(
                port: port, "POST", "/api/v1/projects", body: #"{"name":"mirrored","url":"file://\#(repository)","branch":"main"}"#)
            #expect(created.status == 201)
            func run() async throws -> (job: JSONValue, log: String) {
                let answer = try await RawHTTP.request(
                    port: port, "POST", "/api/v1/jobs", body: #"{"project":"mirrored","playbook":"hello.yml","inventory":"hosts.ini"}"#)
                let id = try #require(answer.json["id"]?.intValue, "\(answer.json.jsonString())")
                let job = try await waitForEnd(port: port, id)
                return (job, try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/stdout?ansi=0").body)
            }

            async let parallelA = run()
            async let parallelB = run()
            for (job, log) in try await [parallelA, parallelB] {
                #expect(job["status"] == .string("successful") && job["commit"] == .string(first), "two runs share one mirror")
                #expect(log.contains("says one") && !log.contains("[WARNING]: could not fetch"))
            }

            // The git server goes away: the mirror still has the branch, and says it ran that.
            try FileManager.default.moveItem(atPath: repository, toPath: scratch + "/away")
            let offline = try await run()
            #expect(offline.job["status"] == .string("successful"), "\(offline.job.jsonString())")
            #expect(offline.job["commit"] == .string(first))
            #expect(offline.log.contains("[WARNING]: could not fetch file://\(repository)"), "\(offline.log)")
            #expect(offline.log.contains("ran what the mirror fetched before") && offline.log.contains("says one"))

            // Back, with a new commit: the next run fetches it into the mirror and runs it.
            try FileManager.default.moveItem(atPath: scratch + "/away", toPath: repository)
            let second = try await Self.commit(["hello.yml": hello.replacing("%@", with: "two")], in: repository, message: "second")
            let online = try await run()
            #expect(online.job["commit"] == .string(second) && online.log.contains("says two"), "\(online.log)")
            #expect(!online.log.contains("[WARNING]"))
        }
    }
}

/// A git project cloned over SSH with a stored key, from a repository on an SSH test host.
@Suite(.serialized) struct GitOverSSHTests {
    @Test func aRepositoryIsClonedOverSSHWithAKeyCredential() async throws {
        try await withSSHTestHosts(count: 1) { hosts in
            let repository = try TestPaths.scratch("git-ssh") + "/repo"
            let commit = try await GitProjectTests.commit(
                [
                    "hello.yml":
                        "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: \"cloned over ssh\" }\n",
                    "hosts.ini": TestPaths.localInventory(["node1"]),
                ], in: repository, message: "over ssh")
            if getuid() == 0 {
                // The host's git runs as its user, and git reads only repositories its user owns.
                try await TestTool.run("/bin/chown", ["-R", hosts.user, repository])
            }
            let key = try String(contentsOfFile: hosts.privateKeyPath, encoding: .utf8)
            try await ServerFixture.with { client, _ in
                let credential = try await client.json(
                    .post, "/api/v1/credentials",
                    body: JSONValue.object(["name": .string("deploy key"), "kind": .string("ssh"), "private_key": .string(key)])
                        .jsonString())
                let credentialID = try #require(credential.json["id"]?.intValue)
                let url = "ssh://\(hosts.user)@127.0.0.1:\(hosts.hosts[0].port)\(repository)"
                let created = try await client.json(
                    .post, "/api/v1/projects", body: #"{"name":"overssh","url":"\#(url)","branch":"main","credential":\#(credentialID)}"#)
                #expect(created.status == .created, "\(created.json.jsonString())")
                let id = Int(try await client.launch(#"{"project":"overssh","playbook":"hello.yml","inventory":"hosts.ini"}"#))
                let job = try await waitForEnd(port: try #require(client.port), id)
                #expect(job["status"] == .string("successful"), "\(job.jsonString())")
                #expect(job["commit"] == .string(commit))
                let output = try await client.text("/api/v1/jobs/\(id)/stdout?ansi=0").2
                #expect(output.contains("cloned over ssh"))
                let keyLines = key.split(separator: "\n").filter { $0.count >= 16 && !$0.hasPrefix("-----") }
                #expect(!keyLines.contains { output.contains($0) }, "the key shows nowhere in the log")
            }
        }
    }
}
