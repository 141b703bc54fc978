import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Ansible environments built for real from PyPI: projects pinned to two ansible-core
/// releases run side by side, each with its own; a job waits queued while its environment
/// is built; a build pip cannot finish ends its jobs with pip's reason.
@Suite struct EnvironmentTests {
    static let versionPlay = """
        - hosts: all
          gather_facts: false
          tasks:
            - name: report the version
              ansible.builtin.debug:
                msg: "runs ansible-core {{ ansible_version.full }}"
        """

    /// A task that imports a package of the environment's own Python.
    static let netaddrTask = """
            - name: use a package of the environment
              ansible.builtin.debug:
                msg: "netaddr {{ lookup('pipe', ansible_playbook_python ~ ' -c ' ~ script) }}"
              vars:
                script: '"import netaddr; print(netaddr.__version__)"'
        """

    /// A projects folder holding each project's files.
    static func projects(_ projects: [String: [String: String]]) throws -> String {
        let root = try TestPaths.scratch("env-projects")
        for (project, files) in projects {
            for (path, content) in files {
                let full = root + "/" + project + "/" + path
                try FileManager.default.createDirectory(
                    atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
                try content.write(toFile: full, atomically: true, encoding: .utf8)
            }
        }
        return root
    }

    static func launch(_ client: any TestClientProtocol, _ project: String) async throws -> Int64 {
        try await client.launch(#"{"project":"\#(project)","playbook":"site.yml","inventory":"hosts.ini"}"#)
    }

    /// Polls the job until it is queued with a reason, and returns the reason.
    static func waitingReason(_ client: any TestClientProtocol, _ id: Int64) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < deadline {
            let job = try await client.json(.get, "/api/v1/jobs/\(id)").json
            if job["status"]?.stringValue == "queued", let reason = job["waiting_reason"]?.stringValue { return reason }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("job \(id) never waited queued with a reason")
    }

    @Test func projectsPinnedToTwoReleasesRunSideBySideEachWithItsOwn() async throws {
        let inventory = TestPaths.localInventory(["node1"])
        let root = try Self.projects([
            "old": [
                "site.yml": Self.versionPlay + "\n" + Self.netaddrTask,
                "hosts.ini": inventory,
                "playhouse.yml": "ansible-core: \"2.17.14\"\npython-requirements: requirements.txt\n",
                "requirements.txt": "# what the playbooks import\nnetaddr==1.3.0\n",
            ],
            "new": ["site.yml": Self.versionPlay, "hosts.ini": inventory, "playhouse.yml": "ansible-core: \"2.18.19\"\n"],
            "plain": ["site.yml": Self.versionPlay, "hosts.ini": inventory],
        ])
        try await ServerFixture.with(projects: root, workers: 3) { client, _ in
            let old = try await Self.launch(client, "old")
            let new = try await Self.launch(client, "new")
            let plain = try await Self.launch(client, "plain")
            let waits = try await Self.waitingReason(client, old)
            #expect(
                waits.contains("waiting for its Ansible environment (ansible-core 2.17.14 with netaddr==1.3.0, from playhouse.yml)"),
                "\(waits)")
            #expect(try await Self.waitingReason(client, new).contains("ansible-core 2.18.19"))
            let plainJob = try await client.waitForEnd(plain)
            #expect(plainJob["status"] == .string("successful"))
            #expect(plainJob["environment"] == .null, "a project without playhouse.yml runs Playhouse's own Ansible")

            for (id, version) in [(old, "2.17.14"), (new, "2.18.19")] {
                let job = try await client.waitForEnd(id, timeout: .seconds(600))
                #expect(job["status"] == .string("successful"), "\(job.jsonString())")
                #expect(job["waiting_reason"] == .null)
                #expect(job["environment"]?.stringValue?.hasPrefix("ansible-core \(version)") == true, "\(job.jsonString())")
                let (_, _, log) = try await client.text("/api/v1/jobs/\(id)/stdout?ansi=0")
                #expect(log.contains("runs ansible-core \(version)"), "\(log)")
                #expect(log.contains("Ansible environment: ansible-core \(version)"), "\(log)")
            }
            let (_, _, oldLog) = try await client.text("/api/v1/jobs/\(old)/stdout?ansi=0")
            #expect(oldLog.contains("netaddr 1.3.0"), "\(oldLog)")

            // Built once: a second run starts at once, with no second build.
            let again = try await Self.launch(client, "new")
            let second = try await client.waitForEnd(again)
            #expect(second["status"] == .string("successful"))
            let (_, _, againLog) = try await client.text("/api/v1/jobs/\(again)/stdout?ansi=0")
            #expect(!againLog.contains("waiting for its Ansible environment"), "\(againLog)")
            guard case .array(let builds)? = try await client.json(.get, "/api/v1/environment-builds").json["environment-builds"] else {
                throw TestFailure("no builds listed")
            }
            #expect(builds.count == 2, "\(builds)")
            #expect(builds.allSatisfy { $0["status"] == .string("ready") && $0["log"] == nil }, "\(builds)")
            let id = try #require(builds.first?["id"]?.intValue)
            let build = try await client.json(.get, "/api/v1/environment-builds/\(id)").json
            #expect(build["log"]?.stringValue?.contains("Successfully installed") == true, "\(build.jsonString())")
        }
    }

    @Test func aGitProjectPinsItsEnvironmentInItsCheckout() async throws {
        let repository = try TestPaths.scratch("env-git") + "/repo"
        try await GitProjectTests.commit(
            [
                "site.yml": Self.versionPlay, "hosts.ini": TestPaths.localInventory(["node1"]),
                "playhouse.yml": "ansible-core: \"2.17.14\"\n",
            ], in: repository, message: "pinned")
        try await ServerFixture.with { client, _ in
            let created = try await client.json(
                .post, "/api/v1/projects", body: #"{"name":"pinned-git","url":"file://\#(repository)","branch":"main"}"#)
            #expect(created.status == .created)
            let id = try await Self.launch(client, "pinned-git")
            #expect(try await Self.waitingReason(client, id).contains("ansible-core 2.17.14, from playhouse.yml"))
            let job = try await client.waitForEnd(id, timeout: .seconds(600))
            #expect(job["status"] == .string("successful"), "\(job.jsonString())")
            #expect(job["environment"] == .string("ansible-core 2.17.14 (playhouse.yml)"))
            let (_, _, log) = try await client.text("/api/v1/jobs/\(id)/stdout?ansi=0")
            #expect(log.contains("runs ansible-core 2.17.14"), "\(log)")
            // Checked out twice (before and after the wait), and the log kept both.
            #expect(log.components(separatedBy: "Checked out file://").count == 3, "\(log)")
        }
    }

    @Test func aBuildPipCannotFinishEndsItsJobsWithPipsReason() async throws {
        let root = try Self.projects([
            "missing": [
                "site.yml": Self.versionPlay, "hosts.ini": TestPaths.localInventory(["node1"]),
                "playhouse.yml": "ansible-core: \"2.17.14\"\npython-packages: [playhouse-no-such-package==0.0.1]\n",
            ],
            "typo": [
                "site.yml": Self.versionPlay, "hosts.ini": TestPaths.localInventory(["node1"]),
                "playhouse.yml": "ansible_core: \"2.17.14\"\n",
            ],
        ])
        try await ServerFixture.with(projects: root) { client, _ in
            let first = try await Self.launch(client, "missing")
            let second = try await Self.launch(client, "missing")
            for id in [first, second] {
                let job = try await client.waitForEnd(id, timeout: .seconds(600))
                #expect(job["status"] == .string("error"))
                let error = job["error"]?.stringValue ?? ""
                #expect(
                    error.hasPrefix("could not build its Ansible environment (ansible-core 2.17.14 with playhouse-no-such-package==0.0.1)"),
                    "\(error)")
                #expect(error.contains("No matching distribution found for playhouse-no-such-package==0.0.1"), "\(error)")
            }
            guard case .array(let builds)? = try await client.json(.get, "/api/v1/environment-builds").json["environment-builds"] else {
                throw TestFailure("no builds listed")
            }
            #expect(builds.count == 1, "one build for both jobs: \(builds)")
            #expect(builds.first?["status"] == .string("failed"))

            let typo = try await client.waitForEnd(try await Self.launch(client, "typo"))
            #expect(typo["status"] == .string("error"))
            #expect(
                typo["error"]?.stringValue?.contains("playhouse.yml has an unknown key \"ansible_core\"") == true, "\(typo.jsonString())")
        }
    }

    @Test func anAdminsEnvironmentIsChosenForAProjectAndATemplate() async throws {
        let root = try Self.projects([
            "demo": [
                "site.yml": Self.versionPlay, "hosts.ini": TestPaths.localInventory(["node1"]),
                "playhouse.yml": "ansible-core: \"2.18.19\"\n",
            ]
        ])
        try await ServerFixture.with(projects: root) { client, store in
            for (body, says) in [
                (
                    #"{"name":"evil","ansible_core":"2.17.14","python_packages":["--index-url=http://127.0.0.1:9/simple"]}"#,
                    "not a Python package"
                ),
                (#"{"name":"evil","ansible_core":"2.17.14","python_packages":["git+https://example.com/x.git"]}"#, "not a Python package"),
                (#"{"name":"evil","ansible_core":"2.17.14","python_packages":["x @ https://example.com/x.whl"]}"#, "not a Python package"),
                (#"{"name":"evil","ansible_core":"2.17.14","python_packages":["./local/path"]}"#, "not a Python package"),
                (#"{"name":"evil","ansible_core":"2.17.14","python_packages":["ansible-core==2.18.0"]}"#, "chosen by its own field"),
                (#"{"name":"evil","ansible_core":"latest"}"#, "ansible-core must be a release"),
                (#"{"name":"evil","ansible_core":"2.17.14; rm -rf /"}"#, "ansible-core must be a release"),
            ] {
                let answer = try await client.json(.post, "/api/v1/environments", body: body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(answer.json["error"]?.stringValue?.contains(says) == true, "\(body): \(answer.json.jsonString())")
            }
            let created = try await client.json(.post, "/api/v1/environments", body: #"{"name":"older","ansible_core":"2.17.14"}"#)
            #expect(created.status == .created)
            let id = try #require(created.json["id"]?.intValue)
            #expect(
                try await client.json(.post, "/api/v1/environments", body: #"{"name":"older","ansible_core":"2.17.13"}"#).status
                    == .conflict)
            #expect(
                try await client.json(.put, "/api/v1/projects/nowhere/environment", body: #"{"environment":"older"}"#).status == .notFound)
            #expect(
                try await client.json(.put, "/api/v1/projects/demo/environment", body: #"{"environment":"unknown"}"#).status == .badRequest)
            #expect(try await client.json(.put, "/api/v1/projects/demo/environment", body: "{}").status == .badRequest)
            let chosen = try await client.json(.put, "/api/v1/projects/demo/environment", body: #"{"environment":"older"}"#)
            #expect(chosen.json["environment"] == .string("older"))

            // The admin's choice wins over the project's playhouse.yml.
            let job = try await client.waitForEnd(try await Self.launch(client, "demo"), timeout: .seconds(600))
            #expect(job["status"] == .string("successful"), "\(job.jsonString())")
            #expect(job["environment"] == .string("ansible-core 2.17.14 (environment older)"))
            let (_, _, log) = try await client.text("/api/v1/jobs/\(job["id"]?.intValue ?? 0)/stdout?ansi=0")
            #expect(log.contains("runs ansible-core 2.17.14"), "\(log)")

            // A template's choice wins over its project's.
            _ = try await client.json(.post, "/api/v1/environments", body: #"{"name":"newer","ansible_core":"2.18.19"}"#)
            let template = try await store.templates.create(
                name: "demo",
                definition: TemplateDefinition(parameters: JobParameters(project: "demo", playbook: "site.yml", inventory: "hosts.ini")))
            let picked = try await client.json(.put, "/api/v1/templates/\(template.id)/environment", body: #"{"environment":"newer"}"#)
            #expect(picked.json["environment"] == .string("newer"))
            let launched = try await client.json(.post, "/api/v1/templates/\(template.id)/launch", body: "{}")
            let templateJob = try await client.waitForEnd(Int64(try #require(launched.json["id"]?.intValue)), timeout: .seconds(600))
            #expect(templateJob["environment"] == .string("ansible-core 2.18.19 (environment newer)"), "\(templateJob.jsonString())")

            let listed = try await client.json(.get, "/api/v1/environments/\(id)").json
            #expect(listed["chosen_by"] == .array([.string("project demo")]))
            let refused = try await client.json(.delete, "/api/v1/environments/\(id)")
            #expect(refused.status == .conflict)
            #expect(refused.json["error"]?.stringValue?.contains("chosen by project demo") == true)
            _ = try await client.json(.put, "/api/v1/projects/demo/environment", body: #"{"environment":null}"#)
            #expect(try await client.json(.delete, "/api/v1/environments/\(id)").status == .noContent)
            let audit = try await store.users.auditLog(limit: 50).map(\.action)
            #expect(audit.contains(.environmentCreate) && audit.contains(.environmentDelete))
        }
    }
}
