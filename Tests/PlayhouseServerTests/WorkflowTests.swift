import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Synchronization
import Testing

@testable import PlayhouseServer

/// Workflows run end to end: real `ansible-playbook` jobs on the SSH test hosts, chained
/// by the conductor of a live server.
@Suite(.serialized) struct WorkflowTests {
    /// `step.yml` works for `pause` seconds, fails everywhere with `fail_all` or on
    /// `fail_host` while the file `flag` exists there, and publishes `publish` with
    /// `set_stats`; `check.yml` passes only when `build_id` arrived as 42.
    static let project: [String: String] = [
        "step.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - name: work for a while
              ansible.builtin.command: "sleep {{ pause | default(0) }}"
              changed_when: false
            - name: look for the flag
              ansible.builtin.stat:
                path: "{{ flag | default('/nonexistent') }}"
              register: flag_file
            - name: fail where told
              ansible.builtin.fail:
                msg: "{{ inventory_hostname }} is broken"
              when: (fail_all | default(false) | bool) or (flag_file.stat.exists and inventory_hostname == (fail_host | default('')))
            - name: publish
              ansible.builtin.set_stats:
                data: "{{ publish | default({}) }}"
              run_once: true
        """,
        "say.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - name: say
              ansible.builtin.debug:
                msg: "said=[{{ msg | default('') }}]"
              run_once: true
        """,
        "check.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - name: the artifact arrived
              ansible.builtin.assert:
                that: (build_id | default('missing') | string) == '42'
        """,
    ]

    /// A live server on a project with both playbooks, an inventory of the SSH hosts and
    /// the templates `step` and `check` (prompting for extra vars and limit).
    static func withWorkflowServer(
        hosts count: Int = 2, workers: Int = 3, files: [String: String] = [:],
        _ body: @escaping @Sendable (any TestClientProtocol, Store, SSHTestHosts) async throws -> Void
    ) async throws {
        try await withSSHTestHosts(count: count) { hosts in
            let projects = try TestPaths.makeProject("wf", files: project.merging(files) { $1 })
            try await ServerFixture.with(projects: projects, workers: workers) { client, store in
                let inventory = try await store.inventories.create(name: "fleet", kind: .static, content: hosts.inventory())
                for (name, playbook) in [("step", "step.yml"), ("check", "check.yml"), ("say", "say.yml")] {
                    _ = try await store.templates.create(
                        name: name,
                        definition: TemplateDefinition(
                            parameters: JobParameters(project: "wf", playbook: playbook, inventory: "\(inventory.id)"),
                            prompts: ["extra_vars", "limit"], allowConcurrent: true))
                }
                try await body(client, store, hosts)
            }
        }
    }

    static func createWorkflow(_ client: any TestClientProtocol, _ body: String) async throws -> Int64 {
        let created = try await client.json(.post, "/api/v1/workflows", body: body)
        guard created.status == .created, let id = created.json["id"]?.intValue else {
            throw TestFailure("creating the workflow answered \(created.status): \(created.json.jsonString())")
        }
        return Int64(id)
    }

    static func launch(_ client: any TestClientProtocol, _ workflow: Int64, body: String? = nil, headers: HTTPFields = [:]) async throws
        -> Int64
    {
        let launched = try await client.json(.post, "/api/v1/workflows/\(workflow)/launch", body: body, headers: headers)
        guard launched.status == .accepted, let id = launched.json["id"]?.intValue else {
            throw TestFailure("launching the workflow answered \(launched.status): \(launched.json.jsonString())")
        }
        return Int64(id)
    }

    /// Polls the workflow job until `until` holds for it (by default: it has ended).
    static func wait(
        _ client: any TestClientProtocol, _ id: Int64, timeout: Duration = .seconds(120),
        until: (JSONValue) -> Bool = { JobStatus(rawValue: $0["status"]?.stringValue ?? "")?.isFinal == true }
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        var last = JSONValue.null
        while ContinuousClock.now < deadline {
            last = try await client.json(.get, "/api/v1/workflow-jobs/\(id)").json
            if until(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("workflow job \(id) did not get there within \(timeout): \(last.jsonString())")
    }

    static func node(_ run: JSONValue, _ name: String) -> JSONValue {
        guard case .array(let nodes)? = run["nodes"] else { return .null }
        return nodes.first { $0["node"]?.stringValue == name } ?? .null
    }

    static func state(_ run: JSONValue, _ name: String) -> String? { node(run, name)["state"]?.stringValue }

    /// The jobs each node of the workflow job launched, counted from the store.
    static func jobsByNode(_ store: Store, _ workflowJob: Int64) async throws -> [Int64: Int] {
        var filter = JobFilter()
        filter.projects = nil
        var counts: [Int64: Int] = [:]
        for job in try await store.jobs.list(filter, limit: 10_000) where job.parameters.workflowJobID == workflowJob {
            counts[job.parameters.workflowNodeID ?? 0, default: 0] += 1
        }
        return counts
    }

    static func step(_ id: String, _ vars: String = "{}", convergence: String = "any") -> String {
        #"{"id":"\#(id)","type":"template","template":"step","convergence":"\#(convergence)","overrides":{"extra_vars":\#(vars)}}"#
    }

    @Test func aDiamondRunsItsBranchesInParallelConvergesWithAllAndHandsOnArtifacts() async throws {
        try await Self.withWorkflowServer { client, store, _ in
            let workflow = try await Self.createWorkflow(
                client,
                #"{"name":"diamond","nodes":["#
                    + Self.step("provision", #"{"publish":{"build_id":42}}"#) + ","
                    + Self.step("web", #"{"pause":2}"#) + "," + Self.step("db", #"{"pause":2}"#) + ","
                    + #"{"id":"verify","type":"template","template":"check","convergence":"all"}],"#
                    + #""edges":[{"from":"provision","to":"web"},{"from":"provision","to":"db"},"#
                    + #"{"from":"web","to":"verify"},{"from":"db","to":"verify"}]}"#)
            let id = try await Self.launch(client, workflow)
            let run = try await Self.wait(client, id)
            #expect(run["status"] == .string("successful"), "\(run.jsonString())")
            for name in ["provision", "web", "db", "verify"] { #expect(Self.state(run, name) == "successful", "\(name)") }
            #expect(run["artifacts"]?["build_id"] == .number(42), "set_stats of provision shows on the run")
            #expect(Self.node(run, "verify")["artifacts"]?["build_id"] == .number(42), "and reached verify, whose assert passed")

            var spans: [String: (Date, Date)] = [:]
            for name in ["web", "db", "verify"] {
                let jobID = try #require(Self.node(run, name)["job_id"]?.intValue)
                let job = try #require(try await store.jobs.find(Int64(jobID)))
                #expect(job.parameters.workflowJobID == id)
                spans[name] = (try #require(job.startedAt), try #require(job.finishedAt))
            }
            #expect(spans["web"]!.0 < spans["db"]!.1 && spans["db"]!.0 < spans["web"]!.1, "the branches ran side by side")
            #expect(spans["verify"]!.0 >= max(spans["web"]!.1, spans["db"]!.1), "verify waited for both branches")
            let counts = try await Self.jobsByNode(store, id)
            #expect(counts.count == 4 && counts.values.allSatisfy { $0 == 1 }, "each node ran exactly once: \(counts)")
        }
    }

    @Test func aFailureGoesToItsRollbackAndAnUnhandledOneFailsTheWorkflow() async throws {
        try await Self.withWorkflowServer { client, _, _ in
            let routed = try await Self.createWorkflow(
                client,
                #"{"name":"routed","nodes":["# + Self.step("deploy", #"{"fail_all":true}"#) + "," + Self.step("smoke") + ","
                    + Self.step("rollback") + "],"
                    + #""edges":[{"from":"deploy","to":"smoke"},{"from":"deploy","to":"rollback","on":"on_failure"}]}"#)
            let unhandled = try await Self.createWorkflow(
                client,
                #"{"name":"unhandled","nodes":["# + Self.step("deploy", #"{"fail_all":true}"#) + "," + Self.step("announce") + "],"
                    + #""edges":[{"from":"deploy","to":"announce"}]}"#)
            let first = try await Self.launch(client, routed)
            let second = try await Self.launch(client, unhandled)

            let handled = try await Self.wait(client, first)
            #expect(handled["status"] == .string("successful"), "the rollback handled the failure: \(handled.jsonString())")
            #expect(Self.state(handled, "deploy") == "failed")
            #expect(Self.state(handled, "rollback") == "successful")
            #expect(Self.state(handled, "smoke") == "skipped")
            #expect(Self.node(handled, "smoke")["job_id"] == .null, "a skipped node launches nothing")

            let failed = try await Self.wait(client, second)
            #expect(failed["status"] == .string("failed"))
            #expect(failed["error"]?.stringValue?.contains("node deploy failed") == true, "\(failed.jsonString())")
            #expect(Self.state(failed, "announce") == "skipped")
        }
    }

    @Test func approvalsAreDecidedByTheNamedOnlyAndTimeOut() async throws {
        try await Self.withWorkflowServer { client, store, _ in
            var tokens: [String: String] = [:]
            for name in ["alice", "bob", "carol"] {
                let user = try await store.users.create(name: name, role: .viewer, password: "password-of-\(name)", cost: 4)
                tokens[name] = try await store.users.createToken(userID: user.id, name: "t", expiresAt: nil).1
            }
            let team = try await store.users.createTeam(name: "release")
            _ = try await store.users.setTeamMembers(team.id, users: ["carol"])
            func as_(_ name: String) -> HTTPFields { [.authorization: "Bearer \(tokens[name]!)"] }
            let gated = try await Self.createWorkflow(
                client,
                #"{"name":"gated","nodes":[{"id":"gate","type":"approval","approval":{"users":["alice"],"teams":["release"],"#
                    + #""message":"ship it?"}},"# + Self.step("deploy") + #"],"edges":[{"from":"gate","to":"deploy"}]}"#)
            let timed = try await Self.createWorkflow(
                client,
                #"{"name":"timed","nodes":[{"id":"gate","type":"approval","approval":{"users":["alice"],"timeout":1,"#
                    + #""on_timeout":"approve"}},"# + Self.step("deploy") + #"],"edges":[{"from":"gate","to":"deploy"}]}"#)

            let approved = try await Self.launch(client, gated)
            let waiting = try await Self.wait(client, approved) { Self.state($0, "gate") == "waiting" }
            let approval = try #require(Self.node(waiting, "gate")["id"]?.intValue)
            #expect(Self.node(waiting, "gate")["can_decide"] == .bool(false), "the admin is not named on the gate")
            let seenByCarol = try await client.json(.get, "/api/v1/workflow-jobs/\(approved)", headers: as_("carol")).json
            #expect(Self.node(seenByCarol, "gate")["can_decide"] == .bool(true), "carol is, through her team")
            let inbox = try await client.json(.get, "/api/v1/approvals", headers: as_("alice")).json
            guard case .array(let waitingForAlice)? = inbox["approvals"], let first = waitingForAlice.first else {
                throw TestFailure("alice's inbox is empty: \(inbox.jsonString())")
            }
            #expect(first["id"] == .number(Double(approval)) && first["message"] == .string("ship it?"))
            #expect(try await client.json(.get, "/api/v1/approvals", headers: as_("bob")).json["approvals"] == .array([]))
            let refused = try await client.json(.post, "/api/v1/approvals/\(approval)/approve", headers: as_("bob"))
            #expect(refused.status == .forbidden && refused.json["detail"]?.stringValue?.contains("alice") == true)
            let decided = try await client.json(.post, "/api/v1/approvals/\(approval)/approve", headers: as_("carol"))
            #expect(decided.status == .ok && decided.json["decided_by"] == .string("carol"), "\(decided.json.jsonString())")
            #expect(try await client.json(.post, "/api/v1/approvals/\(approval)/deny", headers: as_("alice")).status == .conflict)
            let shipped = try await Self.wait(client, approved)
            #expect(shipped["status"] == .string("successful") && Self.state(shipped, "deploy") == "successful")

            let denied = try await Self.launch(client, gated)
            let second = try await Self.wait(client, denied) { Self.state($0, "gate") == "waiting" }
            let secondApproval = try #require(Self.node(second, "gate")["id"]?.intValue)
            #expect(try await client.json(.post, "/api/v1/approvals/\(secondApproval)/deny", headers: as_("alice")).status == .ok)
            let stopped = try await Self.wait(client, denied)
            #expect(stopped["status"] == .string("failed") && Self.state(stopped, "deploy") == "skipped")
            #expect(Self.node(stopped, "gate")["decision"] == .string("deny"))

            let timedOut = try await Self.wait(client, try await Self.launch(client, timed))
            #expect(timedOut["status"] == .string("successful"), "on_timeout approve lets deploy run: \(timedOut.jsonString())")
            #expect(Self.node(timedOut, "gate")["decided_by"] == .null && Self.node(timedOut, "gate")["decision"] == .string("approve"))

            let audit = try await client.json(.get, "/api/v1/audit?limit=200").json.jsonString()
            for action in ["approval.approve", "approval.deny", "approval.timeout", "workflow.launch"] {
                #expect(audit.contains(action), "the audit log records \(action)")
            }
        }
    }

    @Test func resumeKeepsTheSuccessfulNodesAndRerunsTheFailedOneOnItsFailedHosts() async throws {
        try await Self.withWorkflowServer { client, store, _ in
            let flag = "/tmp/playhouse-flag-\(UUID().uuidString)"
            _ = FileManager.default.createFile(atPath: flag, contents: Data(), attributes: [.posixPermissions: 0o644])
            defer { try? FileManager.default.removeItem(atPath: flag) }
            let workflow = try await Self.createWorkflow(
                client,
                #"{"name":"flaky","nodes":["# + Self.step("build", #"{"publish":{"build_id":42}}"#) + ","
                    + Self.step("deploy", #"{"flag":"\#(flag)","fail_host":"h2"}"#) + ","
                    + #"{"id":"verify","type":"template","template":"check"}],"#
                    + #""edges":[{"from":"build","to":"deploy"},{"from":"deploy","to":"verify"}]}"#)
            let first = try await Self.launch(client, workflow)
            let failed = try await Self.wait(client, first)
            #expect(failed["status"] == .string("failed") && Self.state(failed, "verify") == "skipped", "\(failed.jsonString())")

            try FileManager.default.removeItem(atPath: flag)
            let resumed = try await client.json(.post, "/api/v1/workflow-jobs/\(first)/resume", body: #"{"hosts":"failed"}"#)
            #expect(resumed.status == .accepted, "\(resumed.json.jsonString())")
            let second = Int64(try #require(resumed.json["id"]?.intValue))
            let run = try await Self.wait(client, second)
            #expect(run["status"] == .string("successful"), "\(run.jsonString())")
            #expect(run["resume_of"] == .number(Double(first)))
            #expect(Self.node(run, "build")["kept"] == .bool(true))
            #expect(Self.node(run, "build")["job_id"] == Self.node(failed, "build")["job_id"], "build was not run again")
            #expect(Self.node(run, "deploy")["rerun_limit"] == .string("h2"))
            let deployID = Int64(try #require(Self.node(run, "deploy")["job_id"]?.intValue))
            let deploy = try #require(try await store.jobs.find(deployID))
            #expect(deploy.parameters.limit == "h2" && deploy.summary.hosts.keys.sorted() == ["h2"], "only the failed host ran again")
            #expect(Self.state(run, "verify") == "successful", "the artifacts of the kept node still reached verify")
            #expect(try await Self.jobsByNode(store, second).count == 2, "the resumed run launched deploy and verify only")

            let again = try await client.json(.post, "/api/v1/workflow-jobs/\(second)/resume")
            #expect(again.status == .conflict, "a successful run has nothing to resume")
        }
    }

    @Test func cancelStopsTheRunningNodeAndStartsNothingMore() async throws {
        try await Self.withWorkflowServer { client, store, _ in
            let workflow = try await Self.createWorkflow(
                client,
                #"{"name":"long","nodes":["# + Self.step("slow", #"{"pause":60}"#) + "," + Self.step("after") + "],"
                    + #""edges":[{"from":"slow","to":"after","on":"always"}]}"#)
            let id = try await Self.launch(client, workflow)
            let running = try await Self.wait(client, id) { Self.node($0, "slow")["job_status"] == .string("running") }
            let slowJob = Int64(try #require(Self.node(running, "slow")["job_id"]?.intValue))
            let canceled = try await client.json(.post, "/api/v1/workflow-jobs/\(id)/cancel")
            #expect(canceled.status == .accepted && canceled.json["cancel_requested"] == .bool(true))
            let run = try await Self.wait(client, id)
            #expect(run["status"] == .string("canceled"), "\(run.jsonString())")
            #expect(Self.state(run, "slow") == "canceled" && Self.state(run, "after") == "skipped", "always does not outlive a cancel")
            #expect(try await store.jobs.find(slowJob)?.status == .canceled)
            #expect(try await client.json(.post, "/api/v1/workflow-jobs/\(id)/cancel").status == .conflict)
        }
    }

    @Test func aNestedWorkflowRunsAsAJobOfItsOwnAndPassesItsArtifactsOn() async throws {
        try await Self.withWorkflowServer { client, _, _ in
            // Extra vars written as YAML text are stored as the mapping they hold.
            let inner = try await Self.createWorkflow(
                client,
                #"{"name":"inner","nodes":[{"id":"build","type":"template","template":"step","#
                    + #""overrides":{"extra_vars":"publish:\n  build_id: 42\n"}}]}"#)
            let stored = try await client.json(.get, "/api/v1/workflows/\(inner)").json
            #expect(stored["nodes"]?.jsonString().contains(#""extra_vars":{"publish":{"build_id":42}}"#) == true, "\(stored.jsonString())")
            let outer = try await Self.createWorkflow(
                client,
                #"{"name":"outer","nodes":[{"id":"sub","type":"workflow","workflow":"inner"},"#
                    + #"{"id":"verify","type":"template","template":"check"}],"edges":[{"from":"sub","to":"verify"}]}"#)
            let run = try await Self.wait(client, try await Self.launch(client, outer))
            #expect(run["status"] == .string("successful"), "\(run.jsonString())")
            let child = try #require(Self.node(run, "sub")["child_id"]?.intValue)
            let nested = try await client.json(.get, "/api/v1/workflow-jobs/\(child)").json
            #expect(nested["status"] == .string("successful") && nested["depth"] == .number(1) && nested["name"] == .string("inner"))
            #expect(nested["parent_id"] == run["id"], "a nested run names the run it is nested in")
            #expect(Self.state(run, "verify") == "successful", "build_id from the nested run reached verify")

            let cycle = try await client.json(
                .put, "/api/v1/workflows/\(inner)",
                body: #"{"name":"inner","nodes":[{"id":"loop","type":"workflow","workflow":\#(outer)}]}"#)
            #expect(cycle.status == .badRequest, "\(cycle.json.jsonString())")
            #expect(cycle.json["error"]?.stringValue?.contains("runs it again") == true)
        }
    }

    @Test func workflowsAsCodeComeFromAFolderOrAGitProjectAndAStoredOneExportsAsAFile() async throws {
        let release = """
            # The release, reviewed with the playbooks.
            nodes:
              - {id: build, type: template, template: step, overrides: {extra_vars: {publish: {build_id: 42}}}}
              - {id: verify, type: template, template: check}
            edges:
              - {from: build, to: verify}
            """
        let broken =
            "nodes:\n  - {id: a, type: template, template: step}\n  - {id: b, type: template, template: step}\n"
            + "edges:\n  - {from: a, to: b}\n  - {from: b, to: a}\n"
        try await Self.withWorkflowServer(files: ["workflows/release.yml": release, "workflows/broken.yml": broken]) { client, _, _ in
            let listed = try await client.json(.get, "/api/v1/projects/wf/workflows").json
            guard case .array(let files)? = listed["workflows"] else { throw TestFailure("no listing: \(listed.jsonString())") }
            #expect(files.map { $0["file"]?.stringValue ?? "" } == ["broken.yml", "release.yml"])
            #expect(files[0]["error"]?.stringValue?.contains("the graph has a cycle: a → b → a") == true, "\(files[0].jsonString())")
            #expect(files[1]["name"] == .string("release") && files[1]["error"] == .null)
            #expect(try await client.json(.post, "/api/v1/projects/wf/workflows/broken.yml/launch").status == .badRequest)
            #expect(try await client.json(.post, "/api/v1/projects/wf/workflows/..%2Fstep.yml/launch").status == .notFound)

            let launched = try await client.json(.post, "/api/v1/projects/wf/workflows/release.yml/launch")
            #expect(launched.status == .accepted, "\(launched.json.jsonString())")
            let run = try await Self.wait(client, Int64(try #require(launched.json["id"]?.intValue)))
            #expect(run["status"] == .string("successful") && run["source"] == .string("wf:workflows/release.yml"), "\(run.jsonString())")

            let repository = try TestPaths.scratch("workflow-git")
            try await GitProjectTests.commit(["workflows/pipeline.yml": release], in: repository, message: "pipeline")
            let project = try await client.json(
                .post, "/api/v1/projects", body: #"{"name":"flows","url":"file://\#(repository)","branch":"main"}"#)
            #expect(project.status == .created, "\(project.json.jsonString())")
            let fromGit = try await client.json(.post, "/api/v1/projects/flows/workflows/pipeline.yml/launch")
            #expect(fromGit.status == .accepted, "\(fromGit.json.jsonString())")
            let gitRun = try await Self.wait(client, Int64(try #require(fromGit.json["id"]?.intValue)))
            #expect(gitRun["status"] == .string("successful") && gitRun["name"] == .string("pipeline"), "\(gitRun.jsonString())")

            let stored = try await Self.createWorkflow(
                client,
                #"{"name":"Stored Flow","nodes":[{"id":"only","type":"template","template":"# + "1"
                    + #","overrides":{"limit":"h1"}}]}"#)
            let (status, headers, text) = try await client.text("/api/v1/workflows/\(stored)/export")
            #expect(status == .ok && headers[.contentDisposition]?.contains("stored-flow.yml") == true)
            #expect(text.contains("template: step"), "templates are named by name in a file: \(text)")
            let imported = try await client.json(.post, "/api/v1/projects/flows/workflows/pipeline.yml/import")
            #expect(imported.status == .created && imported.json["name"] == .string("pipeline"), "\(imported.json.jsonString())")
            #expect(imported.json["nodes"]?.jsonString().contains(#""template":"step""#) == true)
            #expect(try await client.json(.post, "/api/v1/projects/flows/workflows/pipeline.yml/import").status == .conflict)
            let (name, definition) = try WorkflowFiles.parse(text, file: "stored-flow.yml")
            #expect(name == "Stored Flow" && definition.nodes.first?.template == .name("step"))
            #expect(definition.nodes.first?.overrides?["limit"] == .string("h1"))
        }
    }

    @Test func aPendingApprovalIsAnnouncedToNotificationTargets() async throws {
        let received = Mutex<[String: [JSONValue]]>([:])
        let router = Router()
        for path in ["json", "slack"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let buffer = try await request.body.collect(upTo: 1 << 20)
                received.withLock { $0[path, default: []].append(JSONValue.parse(bytes: buffer.readableBytesView) ?? .null) }
                return Response(status: .ok)
            }
        }
        try await withPeerServer(router) { port in
            try await ServerFixture.with { client, _ in
                for (name, format) in [("json", "json"), ("slack", "slack")] {
                    let target = try await client.json(
                        .post, "/api/v1/notifications",
                        body: #"{"name":"\#(name)","url":"http://127.0.0.1:\#(port)/\#(name)","events":["approval"],"format":"\#(format)"}"#
                    )
                    #expect(target.status == .created, "\(target.json.jsonString())")
                }
                let workflow = try await Self.createWorkflow(
                    client,
                    #"{"name":"gate only","nodes":[{"id":"gate","type":"approval","approval":{"users":["admin"],"#
                        + #""timeout":600,"message":"ship it?"}}]}"#)
                let id = try await Self.launch(client, workflow)
                let deadline = ContinuousClock.now + .seconds(30)
                while received.withLock({ $0["json"] == nil || $0["slack"] == nil }), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let json = try #require(received.withLock { $0["json"]?.first })
                #expect(json["event"] == .string("approval.pending"))
                #expect(json["approval"]?["workflow_job_id"] == .number(Double(id)) && json["approval"]?["node"] == .string("gate"))
                #expect(json["approval"]?["users"] == .array([.string("admin")]) && json["approval"]?["expires_at"]?.stringValue != nil)
                #expect(json["approval"]?["url"] == .string("/workflow-jobs/\(id)"))
                let text = try #require(received.withLock { $0["slack"]?.first?["text"]?.stringValue })
                #expect(text.hasPrefix("Playhouse workflow gate only (#\(id)) waits for approval at gate: ship it? (admin)"), "\(text)")

                let approval = try #require(json["approval"]?["id"]?.intValue)
                #expect(try await client.json(.post, "/api/v1/approvals/\(approval)/approve").status == .ok)
                #expect(try await Self.wait(client, id)["status"] == .string("successful"))
                let log = try await client.json(.get, "/api/v1/notifications/1/deliveries").json
                guard case .array(let deliveries)? = log["deliveries"], let delivery = deliveries.first else {
                    throw TestFailure("no delivery log: \(log.jsonString())")
                }
                #expect(deliveries.count == 1 && delivery["event"] == .string("approval"))
                #expect(delivery["approval_id"] == .number(Double(approval)) && delivery["job_id"] == .null)
                #expect(delivery["status"] == .string("delivered"), "\(delivery.jsonString())")
            }
        }
    }

    @Test func surveyAnswersAndArtifactsReachTheNodesAsDataNeverAsCodeOrConnectionSettings() async throws {
        try await Self.withWorkflowServer { client, store, _ in
            let marker = "/tmp/playhouse-workflow-attack-\(UUID().uuidString)"
            let attack = "{{ lookup('pipe', 'touch \(marker)') }}"
            let asJSON = JSONValue.string(attack).jsonString()
            let workflow = try await Self.createWorkflow(
                client,
                #"{"name":"talk","survey":[{"variable":"msg","question":"Message","type":"text"}],"nodes":["#
                    + #"{"id":"answer","type":"template","template":"say"},"#
                    + Self.step("publish", #"{"publish":{"echoed":\#(asJSON)}}"#) + ","
                    + #"{"id":"relay","type":"template","template":"say","overrides":{"extra_vars":{"msg":"x"}}}],"#
                    + #""edges":[{"from":"answer","to":"publish"},{"from":"publish","to":"relay"}]}"#)
            let run = try await Self.wait(client, try await Self.launch(client, workflow, body: #"{"survey":{"msg":\#(asJSON)}}"#))
            #expect(run["status"] == .string("successful"), "\(run.jsonString())")
            let answered = Int64(try #require(Self.node(run, "answer")["job_id"]?.intValue))
            let (_, _, log) = try await client.text("/api/v1/jobs/\(answered)/stdout?ansi=0")
            #expect(log.contains("said=[\(attack)]"), "the survey answer arrives as written: \(log)")
            #expect(run["artifacts"]?["echoed"] == .string(attack), "set_stats published the text, untemplated")
            #expect(!FileManager.default.fileExists(atPath: marker), "a lookup ran on the worker")

            // A playbook may publish anything; what Ansible connects or executes by is refused
            // as the next node starts, and no job is made for it.
            let sneaky = try await Self.createWorkflow(
                client,
                #"{"name":"sneaky","nodes":["#
                    + Self.step("publish", #"{"publish":{"ansible_ssh_common_args":"-o ProxyCommand=touch \#(marker)"}}"#) + ","
                    + Self.step("next") + #"],"edges":[{"from":"publish","to":"next"}]}"#)
            let refused = try await Self.wait(client, try await Self.launch(client, sneaky))
            #expect(refused["status"] == .string("error"), "\(refused.jsonString())")
            #expect(Self.state(refused, "next") == "error" && Self.node(refused, "next")["job_id"] == .null)
            #expect(Self.node(refused, "next")["message"]?.stringValue?.contains("ansible_ssh_common_args") == true)
            #expect(try await Self.jobsByNode(store, Int64(try #require(refused["id"]?.intValue))).count == 1)
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }

    @Test func aLaunchIsHeldToTheWorkflowsPromptsItsSurveyAndALaunchersRules() async throws {
        try await ServerFixture.with { client, store in
            let template = try await client.json(
                .post, "/api/v1/templates",
                body: #"{"name":"hello","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
            let templateID = try #require(template.json["id"]?.intValue)
            let workflow = try await Self.createWorkflow(
                client,
                #"{"name":"guarded","prompts":["extra_vars"],"nodes":[{"id":"hi","type":"template","template":\#(templateID)}],"#
                    + #""survey":[{"variable":"version","question":"Version","type":"text","required":true},"#
                    + #"{"variable":"replicas","question":"Replicas","type":"integer","min":1,"max":5}]}"#)
            let refused: [(body: String, status: HTTPResponse.Status, says: String)] = [
                (#"{"survey":{"version":"1"},"limit":"web1"}"#, .badRequest, "limit is fixed by workflow"),
                (
                    #"{"survey":{"version":"1"},"extra_vars":{"ansible_ssh_common_args":"-o ProxyCommand=x"}}"#, .badRequest,
                    "ansible_ssh_common_args"
                ),
                (#"{"survey":{"version":"1","nope":1}}"#, .badRequest, #"the survey has no question for \"nope\""#),
                (#"{"survey":{}}"#, .badRequest, "Version"),
                (#"{"survey":{"version":"1","replicas":99}}"#, .badRequest, "Replicas"),
                (#"{"survey":{"version":"1"},"extra_vars":"not: [valid"}"#, .badRequest, "extra_vars"),
                (#"{"survey":{"version":"1"},"colour":1}"#, .badRequest, #"unknown field \"colour\""#),
                (#"{"survey":"version"}"#, .badRequest, "survey"),
                (
                    #"{"survey":{"version":"1"},"extra_vars":{"big":"\#(String(repeating: "x", count: 2_000_000))"}}"#, .contentTooLarge,
                    "Content Too Large"
                ),
            ]
            for (body, status, says) in refused {
                let answer = try await client.json(.post, "/api/v1/workflows/\(workflow)/launch", body: body)
                #expect(answer.status == status, "\(body.prefix(120)) → \(answer.status) \(answer.json.jsonString().prefix(300))")
                #expect(answer.json.jsonString().contains(says), "\(body.prefix(120)) → \(answer.json.jsonString().prefix(300))")
            }
            #expect(try await store.workflows.jobs().isEmpty, "no refused launch made a run")
            let fine = try await client.json(.post, "/api/v1/workflows/\(workflow)/launch", body: #"{"survey":{"version":"1.2"}}"#)
            #expect(fine.status == .accepted && fine.json["extra_vars"]?["version"] == .string("1.2"), "\(fine.json.jsonString())")
        }
    }
}
