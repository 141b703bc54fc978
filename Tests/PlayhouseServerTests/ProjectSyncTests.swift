import Foundation
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// What a worker's mirror of a git project holds after each fetch, and refreshes that fetch
/// without launching anything: over HTTP from `git http-backend` with a real
/// `playhouse serve` (through the API and by a forge's push, with runs that go on from the
/// mirror while the git server is away), and over SSH with its host keys checked.
@Suite struct ProjectSyncTests {
    static func playbook(_ words: String) -> String {
        """
        - hosts: all
          gather_facts: false
          roles:
            - role: greeter
          tasks:
            - ansible.builtin.debug: { msg: "site says \(words)" }
        """
    }

    @Test func theMirrorIsFetchedOverHTTPRefreshedWithoutALaunchAndShownWithItsRequirements() async throws {
        let scratch = try TestPaths.scratch("project-sync")
        let role = try await GitProjectTests.greeterRole(in: scratch, message: "greeter role is here")
        let served = scratch + "/served"
        let repository = served + "/site.git"
        let first = try await GitProjectTests.commit(
            [
                "site.yml": Self.playbook("one"), "hosts.ini": TestPaths.localInventory(["node1"]),
                "roles/requirements.yml": "- src: git+file://\(role)\n  name: greeter\n",
            ], in: repository, message: "one")
        try FileManager.default.createDirectory(atPath: scratch + "/projects", withIntermediateDirectories: true)

        var git: GitHTTPServer? = try await GitHTTPServer.start(root: served)
        let gitPort = try #require(git?.port)
        let url = try #require(git?.url("site.git"))
        let port = try Loopback.freePort()
        let server = try PlayhouseProcess.serve(
            port: port, database: scratch + "/playhouse.sqlite", projects: scratch + "/projects", runs: scratch + "/runs",
            log: scratch + "/serve.log")
        do {
            try await server.waitUntilReady()
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> (status: Int, json: JSONValue) {
                try await RawHTTP.request(port: port, method, path, body: body)
            }
            func run() async throws -> (job: JSONValue, log: String) {
                let answer = try await call("POST", "/api/v1/jobs", #"{"project":"site","playbook":"site.yml","inventory":"hosts.ini"}"#)
                let id = try #require(answer.json["id"]?.intValue, "\(answer.json.jsonString())")
                let job = try await waitForEnd(port: port, id)
                return (job, try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/stdout?ansi=0").body)
            }
            func mirror() async throws -> JSONValue {
                let sync = try await call("GET", "/api/v1/projects/site/sync")
                #expect(sync.status == 200, "\(sync.json.jsonString())")
                guard case .array(let mirrors)? = sync.json["mirrors"], mirrors.count == 1 else {
                    throw TestFailure("one worker's mirror, not \(sync.json.jsonString())")
                }
                return mirrors[0]
            }
            /// Polls the sync record until `done` holds of its mirror (a worker fetching).
            func mirror(until done: (JSONValue) -> Bool) async throws -> JSONValue {
                let deadline = ContinuousClock.now + .seconds(120)
                while ContinuousClock.now < deadline {
                    let sync = try await call("GET", "/api/v1/projects/site/sync").json
                    if case .array(let mirrors)? = sync["mirrors"], let found = mirrors.first, done(found) { return found }
                    try await Task.sleep(for: .milliseconds(200))
                }
                throw TestFailure("the mirror never got there: \(try await call("GET", "/api/v1/projects/site/sync").json.jsonString())")
            }
            func jobCount() async throws -> Int {
                guard case .array(let jobs)? = try await call("GET", "/api/v1/jobs").json["jobs"] else { return -1 }
                return jobs.count
            }

            let created = try await call("POST", "/api/v1/projects", #"{"name":"site","url":"\#(url)","branch":"main"}"#)
            #expect(created.status == 201, "\(created.json.jsonString())")
            let fresh = try await call("GET", "/api/v1/projects/site/sync").json
            #expect(fresh["mirrors"] == .array([]) && fresh["refresh_requested_at"] == .null && fresh["forge_hook"] == .null)
            #expect(fresh["url"] == .string(url) && fresh["branch"] == .string("main"))
            guard case .array(let workers)? = try await call("GET", "/api/v1/workers").json["workers"], workers.count == 1,
                let worker = workers[0]["name"]?.stringValue
            else { throw TestFailure("serve has one embedded worker") }

            // The first run fills the mirror and the requirements cache; its worker records both.
            let one = try await run()
            #expect(one.job["status"] == .string("successful") && one.job["commit"] == .string(first), "\(one.log)")
            #expect(one.log.contains("Checked out \(url) (branch main) at \(first)") && one.log.contains("greeter role is here"))
            let filled = try await mirror()
            #expect(filled["worker"] == .string(worker) && filled["worker_state"] == .string("active"))
            #expect(filled["commit"] == .string(first) && filled["error"] == .null && filled["branch"] == .string("main"))
            #expect(filled["fetched_at"]?.stringValue != nil && filled["refresh_pending"] == .bool(false))
            guard case .array(let requirements)? = filled["requirements"], requirements.count == 1 else {
                throw TestFailure("one cached requirements entry, not \(filled.jsonString())")
            }
            #expect(requirements[0]["file"] == .string("roles/requirements.yml"))
            #expect(requirements[0]["key"]?.stringValue?.hasPrefix("role-") == true)
            #expect(requirements[0]["installed_at"]?.stringValue != nil)

            // The git server goes away: a run still runs what the mirror holds, and says so.
            await git?.stop()
            git = nil
            let offline = try await run()
            #expect(
                offline.job["status"] == .string("successful") && offline.job["commit"] == .string(first), "\(offline.job.jsonString())")
            #expect(offline.log.contains("[WARNING]: could not fetch \(url)") && offline.log.contains("ran what the mirror fetched before"))
            #expect(offline.log.contains("Requirements of roles/requirements.yml from the cache"), "\(offline.log)")
            let failed = try await mirror()
            #expect(failed["commit"] == .string(first))
            #expect(failed["error"]?.stringValue?.hasPrefix("could not fetch \(url)") == true, "\(failed.jsonString())")

            // Back with a new commit: a refresh fetches it without launching anything.
            let second = try await GitProjectTests.commit(["site.yml": Self.playbook("two")], in: repository, message: "two")
            git = try await GitHTTPServer.start(root: served, port: gitPort)
            let jobsBefore = try await jobCount()
            let refreshed = try await call("POST", "/api/v1/projects/site/refresh")
            #expect(refreshed.status == 202, "\(refreshed.json.jsonString())")
            #expect(refreshed.json["project"] == .string("site") && refreshed.json["workers"] == .array([.string(worker)]))
            #expect(refreshed.json["refresh_requested_at"]?.stringValue != nil && refreshed.json["commit"] == .null)
            let fetched = try await mirror { $0["commit"] == .string(second) }
            #expect(fetched["error"] == .null && fetched["refresh_pending"] == .bool(false), "\(fetched.jsonString())")
            #expect(fetched["requirements"] == filled["requirements"], "a refresh keeps what the last run used")
            #expect(try await jobCount() == jobsBefore, "a refresh launches nothing")
            let two = try await run()
            #expect(
                two.job["commit"] == .string(second) && two.log.contains("site says two") && !two.log.contains("[WARNING]"), "\(two.log)")
            #expect(try await call("POST", "/api/v1/projects/nope/refresh").status == 404)

            // A forge's push refreshes too: signed with the hook's secret, and only then.
            let hook = try await call("POST", "/api/v1/projects/site/forge-hook")
            #expect(hook.status == 201, "\(hook.json.jsonString())")
            let secret = try #require(hook.json["secret"]?.stringValue)
            #expect(hook.json["github_url"] == .string("/api/v1/hooks/projects/site/github") && hook.json["branch"] == .string("main"))
            #expect(
                try await call("GET", "/api/v1/projects/site/sync").json["forge_hook"]?["gitlab_url"]
                    == .string("/api/v1/hooks/projects/site/gitlab"))
            func github(_ event: String, _ body: String, signature: String? = nil) async throws -> (status: Int, json: JSONValue) {
                var signed = signature ?? ""
                if signature == nil { signed = try await ForgeHookTests.signature(body, secret: secret) }
                let answer = try await RawHTTP.send(
                    port: port, "POST", "/api/v1/hooks/projects/site/github",
                    headers: ["X-GitHub-Event": event, "X-Hub-Signature-256": signed],
                    body: body, signedIn: false)
                return (answer.status, JSONValue.parse(answer.body) ?? .string(answer.body))
            }
            let ping = try await github("ping", #"{"zen":"Design for failure.","hook_id":2}"#)
            #expect(ping.status == 200 && ping.json["project"] == .string("site"), "\(ping.json.jsonString())")
            let third = try await GitProjectTests.commit(["site.yml": Self.playbook("three")], in: repository, message: "three")
            let push = ForgeHookTests.githubPush(ref: "refs/heads/main", after: third, url: url)
            let forged = try await github("push", push, signature: try await ForgeHookTests.signature(push, secret: "not-the-secret"))
            #expect(forged.status == 401, "\(forged.json.jsonString())")
            let elsewhere = try await github("push", ForgeHookTests.githubPush(ref: "refs/heads/feature", after: third, url: url))
            #expect(elsewhere.status == 202 && elsewhere.json["ignored"]?.stringValue?.contains("branch feature") == true)
            #expect(try await mirror()["commit"] == .string(second), "neither a bad signature nor another branch refreshes")
            let pushed = try await github("push", push)
            #expect(pushed.status == 202 && pushed.json["commit"] == .string(third), "\(pushed.json.jsonString())")
            #expect(try await mirror { $0["commit"] == .string(third) }["error"] == .null)
            let gitlab = try await RawHTTP.send(
                port: port, "POST", "/api/v1/hooks/projects/site/gitlab",
                headers: ["X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "wrong"],
                body: "{}", signedIn: false)
            #expect(gitlab.status == 401)
            #expect(try await jobCount() == jobsBefore + 1, "pushes launch nothing")

            let audit = try await call("GET", "/api/v1/audit").json.jsonString()
            for entry in ["hook.create", "hook.refused", "project.refresh", "github webhook, branch main at \(third.prefix(12))"] {
                #expect(audit.contains(entry), "\(entry) in the audit log")
            }
            #expect(try await call("DELETE", "/api/v1/projects/site/forge-hook").status == 204)
            #expect(try await github("push", push).status == 401, "a removed hook lets nothing in")
            #expect(try await call("DELETE", "/api/v1/projects/site/forge-hook").status == 404)
            let moved = try await call("POST", "/api/v1/projects", #"{"name":"site","url":"\#(url)","branch":"release"}"#)
            #expect(moved.status == 200)
            #expect(try await call("GET", "/api/v1/projects/site/sync").json["mirrors"] == .array([]), "the records were of main")
            let page = try await RawHTTP.send(port: port, "GET", "/projects/site")
            #expect(page.status == 200 && page.header("Content-Type")?.hasPrefix("text/html") == true)
        } catch {
            await git?.stop()
            await server.stop()
            throw error
        }
        await git?.stop()
        await server.stop()
    }

    /// A refresh over SSH fetches as a run does: it trusts and keeps the host key it first
    /// sees, and a key not among the project's known hosts refuses it, with the reason in
    /// the sync record.
    @Test func aRepositoryTheServerNoLongerHasEndsTheJobInsteadOfRunningTheMirror() async throws {
        let served = try TestPaths.scratch("git-gone") + "/served"
        let first = try await GitProjectTests.commit(
            ["site.yml": Self.playbook("one"), "hosts.ini": TestPaths.localInventory(["node1"])], in: served + "/site.git", message: "one")
        let git = try await GitHTTPServer.start(root: served)
        defer { Task { await git.stop() } }
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            let created = try await RawHTTP.request(
                port: port, "POST", "/api/v1/projects", body: #"{"name":"gone","url":"\#(git.url("site.git"))","branch":"main"}"#)
            #expect(created.status == 201)
            func run() async throws -> JSONValue {
                let answer = try await RawHTTP.request(
                    port: port, "POST", "/api/v1/jobs", body: #"{"project":"gone","playbook":"site.yml","inventory":"hosts.ini"}"#)
                return try await waitForEnd(port: port, try #require(answer.json["id"]?.intValue))
            }
            #expect(try await run()["commit"] == .string(first))
            // The server is up and answers 404: the repository was removed or renamed there.
            try FileManager.default.moveItem(atPath: served + "/site.git", toPath: served + "/renamed.git")
            let job = try await run()
            #expect(job["status"] == .string("error"), "\(job.jsonString())")
            let error = job["error"]?.stringValue ?? ""
            #expect(error.hasPrefix("git could not fetch \(git.url("site.git")) (branch main)"), "\(error)")
            #expect(error.contains("the server answered, so nothing was run from the mirror's older commits"), "\(error)")
            #expect(job["commit"] == .null)
        }
    }

    @Test func aRefreshOverSSHKeepsTheHostKeyItFirstSeesAndIsRefusedAnother() async throws {
        try await withSSHTestHosts(count: 1) { hosts in
            let host = hosts.hosts[0]
            let repository = try await GitHostKeyTests.bareRepository(readableBy: hosts.user)
            let key = try String(contentsOfFile: hosts.privateKeyPath, encoding: .utf8)
            try await ServerFixture.with { client, _ in
                let port = try #require(client.port)
                let credential = try await RawHTTP.request(
                    port: port, "POST", "/api/v1/credentials",
                    body: JSONValue.object(["name": .string("deploy key"), "kind": .string("ssh"), "private_key": .string(key)])
                        .jsonString())
                let credentialID = try #require(credential.json["id"]?.intValue)
                let url = "ssh://\(hosts.user)@127.0.0.1:\(host.port)\(repository)"
                func save(knownHosts: String? = nil) async throws -> Int {
                    var body: [String: JSONValue] = [
                        "name": .string("keyed"), "url": .string(url), "credential": .number(Double(credentialID)),
                    ]
                    if let knownHosts { body["known_hosts"] = .string(knownHosts) }
                    return try await RawHTTP.request(port: port, "POST", "/api/v1/projects", body: JSONValue.object(body).jsonString())
                        .status
                }
                /// Asks for a refresh and waits until the worker has recorded it.
                func refresh() async throws -> JSONValue {
                    #expect(try await RawHTTP.request(port: port, "POST", "/api/v1/projects/keyed/refresh").status == 202)
                    let deadline = ContinuousClock.now + .seconds(120)
                    while ContinuousClock.now < deadline {
                        let sync = try await RawHTTP.request(port: port, "GET", "/api/v1/projects/keyed/sync").json
                        if case .array(let mirrors)? = sync["mirrors"], let mirror = mirrors.first,
                            mirror["refresh_pending"] == .bool(false)
                        {
                            return mirror
                        }
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    throw TestFailure("the refresh was never recorded")
                }
                #expect(try await save() == 201)
                let fetched = try await refresh()
                #expect(fetched["commit"]?.stringValue?.count == 40 && fetched["error"] == .null, "\(fetched.jsonString())")
                guard case .array(let projects)? = try await RawHTTP.request(port: port, "GET", "/api/v1/projects").json["projects"],
                    let keyed = projects.first(where: { $0["name"] == .string("keyed") })
                else { throw TestFailure("no project keyed") }
                #expect(keyed["known_hosts"] == .string(try hosts.knownHostsLine(of: host) + "\n"), "\(keyed.jsonString())")
                #expect(keyed["known_hosts_confirmed"] == .bool(false))
                let audit = try await RawHTTP.request(port: port, "GET", "/api/v1/audit").json.jsonString()
                #expect(audit.contains("project.known_hosts.learn") && audit.contains("a refresh on worker test-worker"), "\(audit)")

                // Known hosts that do not name this server: the refresh fetches nothing, and says why.
                #expect(try await save(knownHosts: GitHostKeyTests.otherHostKey) == 200)
                let refused = try await refresh()
                #expect(
                    refused["error"]?.stringValue?.contains("no SSH host key of [127.0.0.1]:\(host.port) is among the known hosts") == true,
                    "\(refused.jsonString())")
                #expect(refused["commit"] == fetched["commit"], "the mirror keeps what it had")
            }
        }
    }
}
