import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Forge webhooks end to end: a git project served from a local repository, a template on
/// it with a forge hook for branch `main` and tags `v*`, and GitHub- and GitLab-style
/// deliveries with good and bad signatures, on matching and other refs. Signatures are made
/// with openssl, not with the server's own code.
@Suite struct ForgeHookTests {
    /// A playbook that says which version of the repository ran, and the push's variables.
    static func playbook(_ version: String) -> String {
        """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.debug: { msg: "this is \(version)" }
            - ansible.builtin.debug:
                msg: >-
                  pusher=[{{ playhouse_git_pusher }}] branch=[{{ playhouse_git_branch | default('-') }}]
                  tag=[{{ playhouse_git_tag | default('-') }}] commit=[{{ playhouse_git_commit }}]
                  repository=[{{ playhouse_git_repository }}]
        """
    }

    /// `sha256=` and the HMAC-SHA256 of `body` under `secret`, as GitHub sends it.
    static func signature(_ body: String, secret: String) async throws -> String {
        let file = try TestPaths.scratch("forge-body") + "/body.json"
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        let output = try await TestTool.run("openssl", ["dgst", "-sha256", "-hmac", secret, "-r", file])
        return "sha256=" + (output.split(separator: " ").first.map(String.init) ?? "")
    }

    static func githubPush(ref: String, after: String, pusher: String = "alice", url: String) -> String {
        JSONValue.object([
            "ref": .string(ref), "before": .string(String(repeating: "0", count: 40)), "after": .string(after),
            "pusher": .object(["name": .string(pusher), "email": .string("alice@example.com")]),
            "repository": .object(["full_name": .string("ops/site"), "clone_url": .string(url), "html_url": .string(url)]),
        ]).jsonString()
    }

    @Test func pushesLaunchTheTemplatePinnedToThePushedCommit() async throws {
        let repository = try TestPaths.scratch("forge-hook") + "/site"
        let first = try await GitProjectTests.commit(
            ["site.yml": Self.playbook("version one"), "hosts.ini": TestPaths.localInventory(["node1"])], in: repository, message: "one")
        let url = "file://\(repository)"
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            #expect(
                try await client.json(.post, "/api/v1/projects", body: #"{"name":"site","url":"\#(url)","branch":"main"}"#).status
                    == .created)
            let template = try await client.json(
                .post, "/api/v1/templates", body: #"{"name":"deploy site","project":"site","playbook":"site.yml","inventory":"hosts.ini"}"#)
            let id = try #require(template.json["id"]?.intValue)
            let folder = try await client.json(
                .post, "/api/v1/templates",
                body: #"{"name":"folder","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini"}"#)
            let folderID = try #require(folder.json["id"]?.intValue)
            let refused = try await client.json(.post, "/api/v1/templates/\(folderID)/forge-hook", body: #"{"branches":["main"]}"#)
            #expect(refused.status == .badRequest, "a folder project has no commits to pin: \(refused.json.jsonString())")
            #expect(try await client.json(.post, "/api/v1/templates/\(id)/forge-hook", body: "{}").status == .badRequest)
            // A push has no one to answer a survey: a required question needs a default.
            let asking = try await client.json(
                .post, "/api/v1/templates",
                body: #"""
                    {"name":"asks","project":"site","playbook":"site.yml","inventory":"hosts.ini",
                     "survey":[{"variable":"who","question":"Who approves?","type":"text","required":true}]}
                    """#)
            let askingID = try #require(asking.json["id"]?.intValue, "\(asking.json.jsonString())")
            let unanswerable = try await client.json(.post, "/api/v1/templates/\(askingID)/forge-hook", body: #"{"branches":["main"]}"#)
            #expect(unanswerable.status == .badRequest)
            #expect(unanswerable.json["error"] == .string(#"the survey asks "Who approves?", which has no default"#))

            let made = try await client.json(.post, "/api/v1/templates/\(id)/forge-hook", body: #"{"branches":["main"],"tags":["v*"]}"#)
            #expect(made.status == .created, "\(made.json.jsonString())")
            let secret = try #require(made.json["secret"]?.stringValue)
            #expect(made.json["github_url"] == .string("/api/v1/hooks/\(id)/github"))
            #expect(made.json["gitlab_url"] == .string("/api/v1/hooks/\(id)/gitlab"))

            func github(_ event: String, _ body: String, signature: String? = nil) async throws -> (status: Int, json: JSONValue) {
                var signed = signature ?? ""
                if signature == nil { signed = try await Self.signature(body, secret: secret) }
                let answer = try await RawHTTP.send(
                    port: port, "POST", "/api/v1/hooks/\(id)/github", headers: ["X-GitHub-Event": event, "X-Hub-Signature-256": signed],
                    body: body, signedIn: false)
                return (answer.status, JSONValue.parse(answer.body) ?? .string(answer.body))
            }
            func gitlab(_ event: String, _ body: String, token: String) async throws -> (status: Int, json: JSONValue) {
                let answer = try await RawHTTP.send(
                    port: port, "POST", "/api/v1/hooks/\(id)/gitlab", headers: ["X-Gitlab-Event": event, "X-Gitlab-Token": token],
                    body: body, signedIn: false)
                return (answer.status, JSONValue.parse(answer.body) ?? .string(answer.body))
            }
            func output(_ job: Int64) async throws -> String {
                try await client.text("/api/v1/jobs/\(job)/stdout?ansi=0").2
            }
            func jobCount() async throws -> Int { try await store.jobs.list().count }

            let ping = try await github("ping", #"{"zen":"Keep it logically awesome.","hook_id":1}"#)
            #expect(ping.status == 200, "\(ping.json.jsonString())")
            #expect(ping.json["ok"] == .bool(true))

            // Another commit lands on main before the job runs: the job still runs the pushed one.
            let second = try await GitProjectTests.commit(["site.yml": Self.playbook("version two")], in: repository, message: "two")
            let sneaky = "{{ lookup('pipe','id') }}"
            let push = Self.githubPush(ref: "refs/heads/main", after: first, pusher: sneaky, url: url)
            let forged = try await github("push", push, signature: try await Self.signature(push, secret: "not-the-secret"))
            #expect(forged.status == 401)
            #expect(forged.json["detail"]?.stringValue?.contains("X-Hub-Signature-256") == true, "\(forged.json.jsonString())")
            #expect(try await github("push", push, signature: "").status == 401)
            #expect(try await jobCount() == 0, "a bad signature launches nothing")

            let launched = try await github("push", push)
            #expect(launched.status == 202, "\(launched.json.jsonString())")
            let jobID = Int64(try #require(launched.json["id"]?.intValue))
            #expect(launched.json["pinned_commit"] == .string(first))
            let job = try await client.waitForEnd(jobID)
            #expect(job["status"] == .string("successful"), "\(job.jsonString())")
            #expect(job["commit"] == .string(first), "the job ran the pushed commit, not main's newest")
            #expect(job["launched_by"] == .string("admin"))
            #expect(job["templated_vars"] == .array([]), "the push's variables are data")
            #expect(job["extra_vars"]?["playhouse_git_pusher"] == .string(sneaky))
            let log = try await output(jobID)
            #expect(log.contains("this is version one") && !log.contains("version two"), "\(log)")
            #expect(log.contains("Checked out \(url) at the pinned commit at \(first)"))
            #expect(log.contains("pusher=[\(sneaky)] branch=[main] tag=[-] commit=[\(first)] repository=[ops/site]"), "\(log)")
            #expect(!log.contains("uid="), "the pusher's name was printed, not run")

            let other = try await github("push", Self.githubPush(ref: "refs/heads/dev", after: second, url: url))
            #expect(other.status == 202)
            #expect(other.json["ignored"] == .string("branch dev matches none of the hook's branch patterns (main)"))
            let fork = try await github(
                "push", Self.githubPush(ref: "refs/heads/main", after: second, url: "https://github.com/someone/fork.git"))
            #expect(fork.json["ignored"]?.stringValue?.hasPrefix("the push is of another repository") == true, "\(fork.json.jsonString())")
            let deleted = try await github(
                "push", Self.githubPush(ref: "refs/heads/main", after: String(repeating: "0", count: 40), url: url))
            #expect(deleted.json["ignored"] == .string("the push deleted branch main"))
            let issue = try await github("issues", #"{"action":"opened"}"#)
            #expect(issue.status == 202)
            #expect(issue.json["event"] == .string("issues"))
            let gitea = try await RawHTTP.send(
                port: port, "POST", "/api/v1/hooks/\(id)/github",
                headers: ["X-Gitea-Event": "push", "X-Hub-Signature-256": try await Self.signature("{", secret: secret)], body: "{",
                signedIn: false)
            #expect(gitea.status == 400, "Gitea's event header is read, and a body that is not JSON is a 400: \(gitea.body)")
            #expect(try await jobCount() == 1, "nothing else launched")

            // A tag: only `v*` launches.
            try await TestTool.run("git", ["tag", "v1.0", first], in: repository)
            let tagged = try await github("push", Self.githubPush(ref: "refs/tags/v1.0", after: first, url: url))
            #expect(tagged.status == 202, "\(tagged.json.jsonString())")
            let tagJob = try await client.waitForEnd(Int64(try #require(tagged.json["id"]?.intValue)))
            #expect(tagJob["status"] == .string("successful") && tagJob["commit"] == .string(first), "\(tagJob.jsonString())")
            #expect(try await output(Int64(tagJob["id"]?.intValue ?? 0)).contains("branch=[-] tag=[v1.0]"))
            let nightly = try await github("push", Self.githubPush(ref: "refs/tags/nightly", after: second, url: url))
            #expect(nightly.json["ignored"] == .string("tag nightly matches none of the hook's tag patterns (v*)"))

            // GitLab: the secret itself in X-Gitlab-Token.
            let gitlabPush = JSONValue.object([
                "object_kind": .string("push"), "ref": .string("refs/heads/main"), "after": .string(second),
                "checkout_sha": .string(second), "user_username": .string("carol"),
                "project": .object(["path_with_namespace": .string("ops/site"), "git_http_url": .string(url)]),
            ]).jsonString()
            let wrongToken = try await gitlab("Push Hook", gitlabPush, token: "guess")
            #expect(wrongToken.status == 401)
            #expect(wrongToken.json["detail"]?.stringValue?.contains("X-Gitlab-Token") == true)
            let fromGitLab = try await gitlab("Push Hook", gitlabPush, token: secret)
            #expect(fromGitLab.status == 202, "\(fromGitLab.json.jsonString())")
            let gitlabJob = try await client.waitForEnd(Int64(try #require(fromGitLab.json["id"]?.intValue)))
            #expect(gitlabJob["commit"] == .string(second))
            let gitlabLog = try await output(Int64(gitlabJob["id"]?.intValue ?? 0))
            #expect(gitlabLog.contains("this is version two") && gitlabLog.contains("pusher=[carol] branch=[main]"), "\(gitlabLog)")
            let mergeRequest = try await gitlab("Merge Request Hook", #"{"object_kind":"merge_request"}"#, token: secret)
            #expect(mergeRequest.status == 202 && mergeRequest.json["ignored"] != nil)

            // A commit the remote does not have: the job ends `error` and says so.
            let missing = String(repeating: "ab", count: 20)
            let gone = try await github("push", Self.githubPush(ref: "refs/heads/main", after: missing, url: url))
            let goneJob = try await client.waitForEnd(Int64(try #require(gone.json["id"]?.intValue)))
            #expect(goneJob["status"] == .string("error"))
            #expect(goneJob["error"]?.stringValue?.contains("commit \(missing) is not on \(url)") == true, "\(goneJob.jsonString())")

            let huge = #"{"ref":"refs/heads/main","padding":""# + String(repeating: "x", count: 1_100_000) + #""}"#
            let tooLarge = try await client.json(
                .post, "/api/v1/hooks/\(id)/github", body: huge, headers: [HTTPField.Name("X-GitHub-Event")!: "push"])
            #expect(tooLarge.status == .contentTooLarge)
            let unknown = try await RawHTTP.send(
                port: port, "POST", "/api/v1/hooks/\(folderID)/github", headers: ["X-GitHub-Event": "ping"], body: "{}", signedIn: false)
            #expect(unknown.status == 401, "a template without a forge hook answers like a bad signature")

            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            #expect(audit.contains("via github webhook, branch main at \(first.prefix(12))"), "\(audit)")
            #expect(audit.contains("via gitlab webhook") && audit.contains("hook.refused"))

            #expect(try await client.json(.delete, "/api/v1/templates/\(id)/forge-hook").status == .noContent)
            #expect(try await github("ping", "{}").status == 401, "a deleted hook's secret opens nothing")
        }
    }
}
