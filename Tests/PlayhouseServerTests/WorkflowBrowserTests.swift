import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// The workflow pages in a real browser, on real runs of `step.yml` on the SSH test hosts
/// (``WorkflowTests/withWorkflowServer``): a graph built in the editor, whose cycle the
/// server names; and a run watched live while it waits for an approval, is approved from
/// the inbox, denied on its own page and resumed.
extension BrowserTests {
    /// The run page as the reader sees it: each node's state in the drawing, the run's
    /// status, whether the document is the one the test marked, and its open streams.
    static let workflowRunState = """
        const state = (id) => {
          const node = document.querySelector(`#wf-graph g[data-node="${id}"]`);
          return node ? node.dataset.state : '';
        };
        const status = document.querySelector('#wf-job-status');
        return {
          gate: state('gate'), deploy: state('deploy'), status: status ? status.textContent : '',
          marker: window.playhouseMarker || '',
          streams: window.playhouseSources.filter((s) => s.readyState !== EventSource.CLOSED).length,
        };
        """

    @Test(.timeLimit(.minutes(10)))
    func aWorkflowIsBuiltInTheEditorWhereTheServerNamesItsCycle() async throws {
        try await WorkflowTests.withWorkflowServer { client, store, _ in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            let templates = try await client.json(.get, "/api/v1/templates").json
            guard case .array(let list)? = templates["templates"],
                let step = list.first(where: { $0["name"] == .string("step") })?["id"]?.intValue
            else { throw TestFailure("no template step: \(templates.jsonString())") }
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "workflow-editor") {
                    try await signIn(browser, port: port, at: "/workflows")
                    try await browser.click("#new-workflow", timeout: .seconds(30))
                    // The first node row comes with the page, once the templates are in.
                    try await browser.waitFor(#"#wf-node-1-template option[value="\#(step)"]"#, timeout: .seconds(30))
                    try await browser.fill("#wf-name", with: "build and ship")
                    try await browser.fill("#wf-node-1-id", with: "build")
                    try await browser.select(value: "\(step)", in: "#wf-node-1-template")
                    try await browser.click("#wf-add-node")
                    try await browser.fill("#wf-node-2-id", with: "ship")
                    try await browser.select(value: "\(step)", in: "#wf-node-2-template")
                    try await browser.fill("#wf-node-2-extra-vars", with: #"{"pause": 0}"#)
                    // Edge 1 goes from the first node to the last (build → ship); edge 2,
                    // ship → build, closes a cycle. The from and to options are node rows.
                    try await browser.click("#wf-add-edge")
                    try await browser.click("#wf-add-edge")
                    try await browser.select(value: "2", in: "#wf-edge-2-from")
                    try await browser.select(value: "1", in: "#wf-edge-2-to")
                    try await browser.select(value: "always", in: "#wf-edge-2-on")
                    try await browser.waitUntil("the preview to draw both nodes and both edges") {
                        try await browser.executeScript(
                            """
                            const preview = document.querySelector('#wf-preview');
                            if (!preview) return '';
                            return [...preview.querySelectorAll('g[data-node]')].map((g) => g.dataset.node).join(',')
                              + ' ' + preview.querySelectorAll('g.wf-edge').length;
                            """) == .string("build,ship 2")
                    }

                    try await browser.click("#wf-save")
                    let error = try await browser.waitFor("#workflow-error", timeout: .seconds(15), visible: true)
                    let message = try await browser.text(of: error)
                    #expect(message.contains("the graph has a cycle: build → ship → build"), "#workflow-error says: \(message)")
                    #expect(try await browser.currentPath() == "/workflows/new", "the form stays, with what was typed")
                    #expect(try await store.workflows.list().isEmpty, "nothing was saved")

                    try await browser.click("#wf-edge-2-remove")
                    try await browser.click("#wf-save")
                    var id: Int64 = 0
                    try await browser.waitUntil("the page of the new workflow", timeout: .seconds(15)) {
                        guard let match = try await browser.currentPath().wholeMatch(of: /\/workflows\/(\d+)/) else { return false }
                        id = Int64(match.1) ?? 0
                        return id > 0
                    }
                    try await browser.waitUntil("the workflow page to draw build → ship", timeout: .seconds(15)) {
                        try await browser.executeScript(
                            """
                            const graph = document.querySelector('#wf-graph');
                            if (!graph) return '';
                            return [...graph.querySelectorAll('g[data-node]')].map((g) => g.dataset.node).join(',') + ' '
                              + [...graph.querySelectorAll('g.wf-edge')].map((g) => `${g.dataset.from}>${g.dataset.to}:${g.dataset.on}`);
                            """) == .string("build,ship build>ship:on_success")
                    }
                    #expect(try await browser.text(of: "#wf-title") == "build and ship")
                    let saved = try #require(try await store.workflows.find(id))
                    #expect(saved.definition.nodes.map(\.id) == ["build", "ship"])
                    #expect(saved.definition.nodes.allSatisfy { $0.kind == .template && $0.template == .id(Int64(step)) })
                    #expect(saved.definition.node("ship")?.overrides == ["extra_vars": .object(["pause": .number(0)])])
                    #expect(saved.definition.edges == [WorkflowEdge(from: "build", to: "ship")])

                    // The editor reads the workflow back, and saving it unchanged changes nothing.
                    try await browser.click("#wf-edit")
                    try await browser.waitUntil("the editor to hold the workflow", timeout: .seconds(15)) {
                        try await browser.executeScript(
                            "const id = document.querySelector('#wf-node-2-id'); return id ? id.value : null;") == .string("ship")
                    }
                    try await browser.click("#wf-save")
                    try await browser.waitUntil("the workflow page again", timeout: .seconds(15)) {
                        try await browser.currentPath() == "/workflows/\(id)"
                    }
                    let again = try #require(try await store.workflows.find(id))
                    #expect(again.definition == saved.definition)

                    // The one console error is the browser noting the 400 of the first save.
                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(
                        console.count == 1 && console.allSatisfy { $0.message.contains("/api/v1/workflows") && $0.message.contains("400") },
                        "browser console: \(console)")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func aWorkflowRunIsWatchedLiveApprovedFromTheInboxDeniedOnItsPageAndResumed() async throws {
        try await WorkflowTests.withWorkflowServer { client, store, _ in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            let workflow = try await WorkflowTests.createWorkflow(
                client,
                #"{"name":"gated","nodes":[{"id":"gate","type":"approval","approval":{"users":["admin"],"message":"ship it?"}},"#
                    + WorkflowTests.step("deploy", #"{"pause":4}"#) + #"],"edges":[{"from":"gate","to":"deploy"}]}"#)
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "workflow-run") {
                    try await Self.countEventSources(browser)
                    try await signIn(browser, port: port, at: "/workflows/\(workflow)")
                    try await browser.click("#wf-launch", timeout: .seconds(30))
                    var run: Int64 = 0
                    try await browser.waitUntil("the page of the new run", timeout: .seconds(15)) {
                        guard let match = try await browser.currentPath().wholeMatch(of: /\/workflow-jobs\/(\d+)/) else { return false }
                        run = Int64(match.1) ?? 0
                        return run > 0
                    }
                    // A reload would lose this mark; the pages change without one.
                    try await browser.executeScript("window.playhouseMarker = 'kept';")
                    try await browser.waitFor(#"#wf-graph g[data-node="gate"][data-state="waiting"]"#, timeout: .seconds(60))
                    var state = try await browser.executeScript(Self.workflowRunState)
                    #expect(state["deploy"] == .string("pending") && state["status"] == .string("running"), "\(state.jsonString())")
                    #expect(try await browser.findAll(#"#wf-approvals button.wf-approve[data-node="gate"]"#).count == 1)

                    // The inbox, through the navigation: approve there, then back to the run.
                    try await browser.click(#"a[data-nav="workflows"]"#)
                    let row = try await browser.waitFor(#"#approval-inbox tr.approval-row[data-node="gate"]"#, timeout: .seconds(15))
                    #expect(try await browser.text(of: row).contains("ship it?"))
                    try await browser.click(#"#approval-inbox tr.approval-row[data-node="gate"] button.approve"#)
                    try await browser.waitFor("#approval-inbox-empty", timeout: .seconds(15))
                    #expect(try await browser.text(of: "#approval-inbox-empty") == "No approvals wait for you.")
                    try await browser.click(#"#workflow-jobs a[href="/workflow-jobs/\#(run)"]"#, timeout: .seconds(15))

                    // The run page reads the run once and then only listens: deploy moves on through the stream.
                    var deployStates: [String] = []
                    try await browser.waitUntil("the run to succeed", timeout: .seconds(90), poll: .milliseconds(50)) {
                        state = try await browser.executeScript(Self.workflowRunState)
                        if let deploy = state["deploy"]?.stringValue, !deploy.isEmpty, deployStates.last != deploy {
                            deployStates.append(deploy)
                        }
                        return state["status"] == .string("successful")
                    }
                    #expect(deployStates.contains("running") && deployStates.last == "successful", "deploy went \(deployStates)")
                    #expect(state["gate"] == .string("successful") && state["marker"] == .string("kept"), "\(state.jsonString())")
                    try await browser.waitUntil("the stream to close at the end") {
                        try await browser.executeScript(Self.workflowRunState)["streams"] == .number(0)
                    }
                    #expect(try await browser.text(of: #"#wf-node-rows tr[data-node="gate"]"#).contains("admin"), "decided by admin")
                    let finished = try await WorkflowTests.wait(client, run)
                    let deployJob = try #require(WorkflowTests.node(finished, "deploy")["job_id"]?.intValue)
                    #expect(try await browser.findAll(#"#wf-node-rows a[href="/jobs/\#(deployJob)"]"#).count == 1)
                    #expect(try await browser.isDisplayed(try await browser.find("#wf-resume")) == false, "nothing to resume")

                    // A second run, denied on its own page, then resumed: its gate asks again.
                    let denied = try await WorkflowTests.launch(client, workflow)
                    try await browser.open("http://127.0.0.1:\(port)/workflow-jobs/\(denied)")
                    try await browser.click(#"#wf-approvals button.wf-deny[data-node="gate"]"#, timeout: .seconds(60))
                    try await browser.waitUntil("the denied run to fail", timeout: .seconds(30)) {
                        state = try await browser.executeScript(Self.workflowRunState)
                        return state["status"] == .string("failed")
                    }
                    #expect(state["gate"] == .string("failed") && state["deploy"] == .string("skipped"), "\(state.jsonString())")
                    try await browser.click("#wf-resume", timeout: .seconds(10))
                    try await browser.waitFor(#"#wf-graph g[data-node="gate"][data-state="waiting"]"#, timeout: .seconds(30))
                    let resumed = try #require(Int64(try await browser.currentPath().replacing("/workflow-jobs/", with: "")))
                    #expect(try await store.workflows.job(resumed)?.resumeOf == denied)

                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(console.isEmpty, "browser console errors: \(console)")
                }
            }
        }
    }
}
