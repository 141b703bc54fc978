import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// The page in a real browser: headless chromium, driven over WebDriver, against a live
/// server with real workers and real ansible-playbook runs.
@Suite(.serialized)
struct BrowserTests {
    static let demoTasks = ["Say hello", "Change something", "Skip on purpose", "Fail but carry on", "Loop over a few items"]
    static let demoHosts: [JSONValue] = ["db1", "web1", "web2"].map(JSONValue.string)

    /// What the job page shows, read in one go (the page re-renders while it streams).
    static let jobPageState = """
        const status = document.querySelector('#job-status');
        const recap = document.querySelector('#recap');
        return {
          status: status ? status.textContent : '',
          results: [...document.querySelectorAll('#tasks .task')].filter((task) => Number(task.dataset.results) > 0).length,
          recap: !!recap && !recap.hidden,
          recapHosts: [...document.querySelectorAll('#recap tr.recap-row')].map((row) => row.dataset.host).sort(),
        };
        """

    @Test(.timeLimit(.minutes(10)))
    func launchFromThePageAndWatchTheRecap() async throws {
        try await ServerFixture.with { client, store in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "launch") {
                    try await signIn(browser, port: port, at: "/launch")
                    try await browser.waitFor(#"#project option[value="demo"]"#, timeout: .seconds(30))
                    try await browser.waitFor(#"#playbook option[value="progress.yml"]"#, timeout: .seconds(30))
                    try await browser.waitFor(#"#inventory option[value="inventory/local.ini"]"#, timeout: .seconds(30))
                    let expected: JSONValue = .array(["demo", "progress.yml", "inventory/local.ini"].map(JSONValue.string))
                    var selected: JSONValue = .null
                    try await browser.waitUntil("the form to preselect demo, progress.yml and inventory/local.ini") {
                        selected = try await browser.executeScript(
                            "return ['#project', '#playbook', '#inventory'].map((s) => document.querySelector(s).value);")
                        return selected == expected
                    }
                    #expect(selected == expected)

                    try await browser.fill("#extra-vars", with: "pause_seconds: 1")
                    try await browser.click("#launch")

                    var id: Int64 = 0
                    try await browser.waitUntil("the page to move to the new job", timeout: .seconds(15)) {
                        guard let match = try await browser.currentPath().wholeMatch(of: /\/jobs\/(\d+)/) else { return false }
                        id = Int64(match.1) ?? 0
                        return id > 0
                    }

                    // Live: results show up while the job still runs, then the recap.
                    var sawLiveResult = false
                    var state: JSONValue = .null
                    try await browser.waitUntil(
                        "the job to end with a recap of web1, web2 and db1", timeout: .seconds(90), poll: .milliseconds(50)
                    ) {
                        state = try await browser.executeScript(Self.jobPageState)
                        let status = state["status"]?.stringValue ?? ""
                        if status == "running", (state["results"]?.intValue ?? 0) > 0 { sawLiveResult = true }
                        return state["recap"] == .bool(true) && state["recapHosts"] == .array(Self.demoHosts)
                            && !["", "queued", "running"].contains(status)
                    }
                    #expect(sawLiveResult, "a task counted results while #job-status read running (last state \(state.jsonString()))")

                    let recap = try await browser.find("#recap")
                    #expect(try await browser.isDisplayed(recap))
                    #expect(try await browser.findAll("#recap tr.recap-row").count == 3)
                    #expect(try await browser.text(of: "#job-status") == "successful")
                    let progress = try await browser.find("#progress")
                    #expect(try await browser.attribute("data-percent", of: progress) == "100")
                    #expect(try await browser.attribute("aria-valuenow", of: progress) == "100")

                    let taskNames = try await browser.executeScript(
                        "return [...document.querySelectorAll('#tasks .task-name')].map((n) => n.textContent);")
                    for name in Self.demoTasks {
                        #expect(taskNames.stringArray.contains(name), "#tasks shows \(name): \(taskNames.jsonString())")
                    }
                    let tasksText = try await browser.executeScript(
                        "const tasks = document.querySelector('#tasks'); return tasks ? tasks.textContent : '';")
                    for name in Self.demoTasks {
                        #expect(tasksText.stringValue?.contains(name) == true)
                    }
                    let hostRows = try await browser.executeScript(
                        "return [...document.querySelectorAll('#hosts tr.host-row')].map((r) => r.dataset.host).sort();")
                    #expect(hostRows == .array(Self.demoHosts))

                    // The recap counts, per host, as Ansible's PLAY RECAP has them.
                    let counts = try await browser.executeScript(
                        """
                        const out = {};
                        for (const row of document.querySelectorAll('#recap tr.recap-row')) {
                          out[row.dataset.host] = Object.fromEntries(
                            [...row.querySelectorAll('td[data-key]')].map((td) => [td.dataset.key, Number(td.textContent)]));
                        }
                        return out;
                        """)
                    for host in ["web1", "web2", "db1"] {
                        let row = counts[host]
                        #expect(row?["failed"] == .number(0), "\(host): \(counts.jsonString())")
                        #expect(row?["unreachable"] == .number(0), "\(host): \(counts.jsonString())")
                        #expect(row?["ignored"] == .number(1), "\(host): \(counts.jsonString())")
                        #expect(row?["skipped"] == .number(1), "\(host): \(counts.jsonString())")
                        #expect((row?["ok"]?.intValue ?? 0) >= 5, "\(host): \(counts.jsonString())")
                    }

                    // The log: the whole run, with Ansible's colours as spans.
                    try await browser.waitUntil("#log to show PLAY RECAP", timeout: .seconds(20)) {
                        try await browser.executeScript("const log = document.querySelector('#log'); return log ? log.textContent : '';")
                            .stringValue?.contains("PLAY RECAP") == true
                    }
                    let coloured = try await browser.findAll(#"#log span[class^="ansi-"]"#)
                    #expect(!coloured.isEmpty, "the log keeps Ansible's colours")
                    #expect(try await browser.text(of: "#log").contains("PLAY RECAP"))

                    // The API and the store agree.
                    let job = try await client.json(.get, "/api/v1/jobs/\(id)").json
                    #expect(job["status"] == .string("successful"), "\(job.jsonString())")
                    #expect(job["playbook"] == .string("progress.yml"))
                    let stored = try await store.jobs.find(id)
                    #expect(stored?.status == .successful)
                    #expect(stored?.parameters.project == "demo")
                    #expect(stored?.parameters.inventory == "inventory/local.ini")
                    #expect(stored?.parameters.extraVars?["pause_seconds"] == .number(1), "the form sent the extra vars")

                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(console.isEmpty, "browser console errors: \(console)")

                    if ProcessInfo.processInfo.environment["PLAYHOUSE_SCREENSHOT"] == "1" {
                        try await Self.saveScreenshot(browser)
                    }
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func cancelFromThePage() async throws {
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n"
                    + "    - name: Sleep a while\n      ansible.builtin.command: sleep 81\n",
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        try await ServerFixture.with(projects: projects) { client, store in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            // Launched once the browser is ours: waiting for another test's browser may
            // outlast the task.
            try await withChromeSession { browser in
                let id = try await client.launch(#"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
                try await withDiagnostics(browser, "cancel") {
                    try await Self.countEventSources(browser)
                    try await signIn(browser, port: port, at: "/jobs/\(id)")
                    try await Self.waitForTheSleepingTask(browser)

                    // Left, the job page stops its work: its stream closes, and no header
                    // refresh of it retitles the page that followed.
                    try await browser.click(#"a[data-nav="workers"]"#)
                    _ = try await browser.waitFor("#workers")
                    try await Task.sleep(for: .seconds(3))
                    #expect(try await browser.title() == "Workers — Playhouse")
                    #expect(try await browser.findAll("#tasks").isEmpty)
                    #expect(try await browser.executeScript(Self.openEventSources) == .number(0), "the left page's stream is closed")
                    // Back (popstate) opens the job page again, with one stream.
                    try await browser.executeScript("history.back();")
                    try await Self.waitForTheSleepingTask(browser)
                    #expect(try await browser.executeScript(Self.openEventSources) == .number(1))

                    try await browser.click("#cancel", timeout: .seconds(15))
                    try await browser.waitUntil("#job-status to read canceled", timeout: .seconds(30)) {
                        try await browser.text(of: "#job-status") == "canceled"
                    }
                    #expect(ProcessCheck.processes(containing: "sleep 81").isEmpty, "cancel leaves no process")
                    #expect(ProcessCheck.processes(containing: projects + "/p/sleep.yml").isEmpty)
                    let button = try await browser.find("#cancel")
                    #expect(try await browser.isEnabled(button) == false, "nothing left to cancel")

                    let job = try await client.json(.get, "/api/v1/jobs/\(id)").json
                    #expect(job["status"] == .string("canceled"), "\(job.jsonString())")
                    #expect(try await store.jobs.find(id)?.status == .canceled)
                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(console.isEmpty, "browser console errors: \(console)")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func launchATemplateThroughItsSurvey() async throws {
        try await ServerFixture.with { client, store in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            let template = """
                {"name":"greet","description":"Say hello to one web host","project":"demo","playbook":"hello.yml",
                 "inventory":"inventory/local.ini","prompts":["verbosity","worker_group"],"worker_groups":["default","lab"],
                 "survey":[{"variable":"greeting","question":"Greeting","type":"text","required":true,"min":2,"default":"hi"},
                           {"variable":"host","question":"Which host","type":"choice","required":true,"default":"web1",
                            "choices_from":{"inventory":"inventory/local.ini","group":"web"}},
                           {"variable":"loud","question":"Loud?","type":"boolean","default":true}]}
                """
            let created = try await client.json(.post, "/api/v1/templates", body: template)
            let id = try #require(created.json["id"]?.intValue, "\(created.json.jsonString())")
            let schedule = try await client.json(
                .post, "/api/v1/templates/\(id)/schedules", body: #"{"cron":"0 3 * * *","timezone":"UTC"}"#)
            #expect(schedule.status == .created, "\(schedule.json.jsonString())")
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "template") {
                    try await signIn(browser, port: port, at: "/templates")
                    let launchLink = #"tr[data-name="greet"] a[href="/templates/\#(id)/launch"]"#
                    // Left while its answers are on their way, the page draws nothing on the next one.
                    try await Self.delayNetwork(browser, milliseconds: 800)
                    try await browser.click(launchLink, timeout: .seconds(30))
                    _ = try await browser.waitFor("#template-launch-form", timeout: .seconds(10))
                    #expect(try await browser.findAll("#survey-greeting").isEmpty, "the answers are still on their way")
                    try await browser.click(#"a[data-nav="workers"]"#)
                    _ = try await browser.waitFor("#workers tbody tr", timeout: .seconds(10))
                    // Each worker shows its groups and the forks in use; the queue sits below.
                    #expect(try await browser.text(of: ".worker-groups") == "default")
                    #expect(try await browser.text(of: ".worker-forks").hasPrefix("0 / "))
                    _ = try await browser.waitFor("#queue-empty, #queue .queue-group", timeout: .seconds(10))
                    try await Task.sleep(for: .seconds(2))
                    #expect(try await browser.findAll("#schedules").isEmpty, "the left page's schedules stay off the workers page")
                    #expect(try await browser.title() == "Workers — Playhouse")
                    try await Self.delayNetwork(browser, milliseconds: 0)

                    try await browser.click(#"a[data-nav="templates"]"#)
                    try await browser.click(launchLink, timeout: .seconds(30))
                    _ = try await browser.waitFor("#survey-greeting", timeout: .seconds(30))
                    try await browser.waitUntil("the host choices to come from the web group") {
                        try await browser.executeScript("return [...document.querySelectorAll('#survey-host option')].map(o => o.value);")
                            == .array(["web1", "web2"].map(JSONValue.string))
                    }
                    #expect(try await browser.findAll("#prompt-verbosity").count == 1, "the prompted field is offered")
                    #expect(try await browser.findAll("#prompt-limit").isEmpty, "fields the template fixes are not")
                    let nextRuns = try await browser.text(of: try await browser.waitFor("#schedules .next-runs", timeout: .seconds(10)))
                    #expect(nextRuns.split(separator: "·").count == 3, "the schedule's next runs are shown: \(nextRuns)")

                    try await browser.fill("#survey-greeting", with: "x")
                    try await browser.click("#tpl-launch")
                    let error = try await browser.waitFor("#tpl-launch-error", timeout: .seconds(10), visible: true)
                    #expect(
                        try await browser.text(of: error)
                            .contains(#"the answer to "Greeting" (greeting) must have at least 2 characters"#))
                    #expect(try await store.jobs.list().isEmpty, "a bad answer makes no job")

                    try await browser.fill("#survey-greeting", with: "howdy")
                    try await browser.select(value: "web2", in: "#survey-host")
                    // The launcher chooses among the template's worker groups, and only those.
                    #expect(
                        try await browser.executeScript(
                            "return [...document.querySelectorAll('#prompt-worker_group option')].map(o => o.value);")
                            == .array(["", "default", "lab"].map(JSONValue.string)))
                    try await browser.select(value: "default", in: "#prompt-worker_group")
                    try await browser.click("#tpl-launch")
                    try await browser.waitUntil("the job page", timeout: .seconds(30)) {
                        try await browser.currentPath().hasPrefix("/jobs/")
                    }
                    try await browser.waitUntil("the job to succeed", timeout: .seconds(60)) {
                        try await browser.text(of: "#job-status") == "successful"
                    }
                    let job = try #require(try await store.jobs.list().first)
                    #expect(job.parameters.templateID == Int64(id))
                    #expect(job.parameters.extraVars == ["greeting": .string("howdy"), "host": .string("web2"), "loud": .bool(true)])
                    #expect(job.workerGroups == ["default"], "the chosen group")

                    #expect(try await browser.isDisplayed(try await browser.find("#relaunch-failed")) == false, "no host failed")
                    try await browser.click("#relaunch")
                    try await browser.waitUntil("the relaunched job's page", timeout: .seconds(30)) {
                        let path = try await browser.currentPath()
                        return path != "/jobs/\(job.id)" && path.hasPrefix("/jobs/")
                    }
                    let again = try #require(try await store.jobs.list().first)
                    #expect(again.parameters.relaunchOf == job.id)
                    #expect(again.parameters.extraVars == job.parameters.extraVars)
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func createAndEditATemplateOnThePage() async throws {
        try await ServerFixture.with { client, store in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "template-editor") {
                    try await signIn(browser, port: port, at: "/templates")
                    try await browser.click("#new-template", timeout: .seconds(30))
                    try await browser.waitUntil("the projects to load", timeout: .seconds(30)) {
                        try await browser.executeScript(
                            "const p = document.querySelector('#tpl-playbook'); return p ? p.options.length : 0;") != .number(0)
                    }
                    try await browser.fill("#tpl-name", with: "nightly check")
                    try await browser.select(value: "hello.yml", in: "#tpl-playbook")
                    try await browser.fill("#tpl-tags", with: "install,start")
                    try await browser.fill("#tpl-env", with: "CMDB_GROUP=backend")
                    try await browser.fill("#tpl-allowed-env", with: "REGION, ZONE")
                    try await browser.fill("#tpl-allowed-vars", with: "ansible_user")
                    try await browser.click("#tpl-check")
                    try await browser.click(#"input[data-prompt="limit"]"#)
                    try await browser.click("#tpl-save")
                    try await browser.waitUntil("the launch page of the new template", timeout: .seconds(30)) {
                        try await browser.currentPath().hasSuffix("/launch")
                    }
                    let saved = try #require(try await store.templates.list().first)
                    #expect(saved.name == "nightly check")
                    #expect(saved.definition.parameters.playbook == "hello.yml")
                    #expect(saved.definition.parameters.tags == ["install", "start"])
                    #expect(saved.definition.parameters.check == true)
                    #expect(saved.definition.parameters.env == ["CMDB_GROUP": "backend"])
                    #expect(saved.definition.prompts == ["limit"])
                    #expect(saved.definition.allowedEnv == ["REGION", "ZONE"])
                    #expect(saved.definition.allowedVars == ["ansible_user"])

                    try await browser.open("http://127.0.0.1:\(port)/templates/\(saved.id)/edit")
                    try await browser.waitUntil("the form to hold the template", timeout: .seconds(30)) {
                        // The page may still be loading: no field yet is not an answer.
                        try await browser.executeScript(
                            "const tags = document.querySelector('#tpl-tags'); return tags ? tags.value : null;")
                            == .string("install,start")
                    }
                    try await browser.fill("#tpl-limit", with: "web1")
                    try await browser.click("#tpl-save")
                    try await browser.waitUntil("the template to be saved", timeout: .seconds(30)) {
                        try await store.templates.find(saved.id)?.definition.parameters.limit == "web1"
                    }
                    let edited = try await store.templates.find(saved.id)?.definition
                    #expect(edited?.parameters.env == ["CMDB_GROUP": "backend"], "the environment stays")
                    #expect(edited?.allowedEnv == ["REGION", "ZONE"], "the form showed and kept them")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func theAuditPageShowsWhoDidWhat() async throws {
        try await ServerFixture.with { client, _ in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            let id = try await client.launch(#"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "audit") {
                    try await signIn(browser, port: port, at: "/audit")
                    let launch = try await browser.waitFor(#"#audit-rows tr[data-action="job.launch"]"#, timeout: .seconds(30))
                    let text = try await browser.text(of: launch)
                    #expect(text.contains("admin") && text.contains("job \(id)") && text.contains("127.0.0.1"), "\(text)")
                    _ = try await browser.waitFor(#"#audit-rows tr[data-action="login"]"#)
                    #expect(try await browser.isDisplayed(try await browser.find(#"a[href="/audit"]"#)), "admins see the Audit link")
                    #expect(try await browser.text(of: "#session-user") == "admin (admin)")

                    try await browser.click("#sign-out")
                    try await browser.waitUntil("signing out to lead to the sign-in page") { try await browser.currentPath() == "/login" }
                    try await browser.open("http://127.0.0.1:\(port)/audit")
                    _ = try await browser.waitFor("#login-form", timeout: .seconds(10))
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func launchErrorIsShownOnThePage() async throws {
        try await ServerFixture.with { client, _ in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "launch-error") {
                    try await signIn(browser, port: port, at: "/launch")
                    // Once the playbooks are in, nothing replaces the options any more.
                    try await browser.waitUntil("the form to preselect progress.yml", timeout: .seconds(30)) {
                        // The page may still be loading: no select yet is not an answer.
                        try await browser.executeScript("const p = document.querySelector('#playbook'); return p ? p.value : null;")
                            == .string("progress.yml")
                    }
                    let error = try await browser.find("#launch-error")
                    #expect(try await browser.isDisplayed(error) == false)

                    // No select offers a path out of the project; a tampered page can still send one.
                    try await browser.executeScript(
                        """
                        const select = document.querySelector('#playbook');
                        const option = document.createElement('option');
                        option.value = option.textContent = arguments[0];
                        select.append(option);
                        """, args: [.string("../../etc/passwd")])
                    try await browser.select(value: "../../etc/passwd", in: "#playbook")
                    try await browser.click("#launch")

                    let shown = try await browser.waitFor("#launch-error", timeout: .seconds(15), visible: true)
                    let message = try await browser.text(of: shown)
                    #expect(message.contains("leaves the project"), "#launch-error says: \(message)")
                    #expect(try await browser.currentPath() == "/launch")
                    _ = try await browser.find("#launch-form")  // the form stays, with what was typed

                    // The one console error is the browser noting the 400 it got from the API.
                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(
                        console.count == 1 && console.allSatisfy { $0.message.contains("/api/v1/jobs") && $0.message.contains("400") },
                        "browser console: \(console)")
                    let jobs = try await client.json(.get, "/api/v1/jobs").json
                    #expect(jobs["jobs"] == .array([]), "no job was created: \(jobs.jsonString())")
                }
            }
        }
    }

    /// Every page opens from its own address, each in a fresh document, and loads its
    /// modules without a console error; the navigation marks the page's section.
    @Test(.timeLimit(.minutes(10)))
    func everyPageLoadsItsModules() async throws {
        try await ServerFixture.with { client, _ in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            let template = try await client.json(
                .post, "/api/v1/templates",
                body: """
                    {"name":"greet","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini"}
                    """)
            let id = try #require(template.json["id"]?.intValue, "\(template.json.jsonString())")
            let job = try await client.launch(
                #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
            _ = try await client.waitForEnd(job)
            let workflow = try await WorkflowTests.createWorkflow(
                client, #"{"name":"hello","nodes":[{"id":"hello","type":"template","template":"greet"}]}"#)
            let run = try await WorkflowTests.launch(client, workflow)
            _ = try await WorkflowTests.wait(client, run)
            let pages: [(path: String, shows: String, section: String)] = [
                ("/", "#jobs .job-row", "jobs"), ("/jobs/\(job)", "#recap tr.recap-row", "jobs"), ("/launch", "#project option", "launch"),
                ("/jobs?host=web1&status=successful", #"#jobs .job-row[data-id="\#(job)"]"#, "jobs"),
                ("/jobs?q=nothing-ran-like-this", "#jobs td.empty", "jobs"),
                ("/inventories", "#inventory-form", "inventories"), ("/workers", "#workers", "workers"),
                ("/environments", "#environment-form", "environments"),
                ("/projects", #"#projects tr.project-row[data-name="demo"]"#, "projects"),
                ("/audit", "#audit-rows tr", "audit"), ("/hosts", #"#host-rows tr[data-host="web1"]"#, "hosts"),
                ("/hosts/web1", #"#host-results tr[data-job="\#(job)"]"#, "hosts"),
                ("/templates", "tr.template-row", "templates"), ("/templates/new", "#tpl-project option", "templates"),
                ("/templates/\(id)/edit", "#tpl-name", "templates"), ("/templates/\(id)/launch", "#tpl-launch", "templates"),
                ("/workflows", #"#workflows tr.workflow-row[data-name="hello"]"#, "workflows"),
                ("/workflows/new", "#wf-node-1-template option", "workflows"),
                ("/workflows/\(workflow)", #"#wf-graph g[data-node="hello"]"#, "workflows"),
                ("/workflows/\(workflow)/edit", "#wf-node-1-template option", "workflows"),
                ("/workflow-jobs/\(run)", #"#wf-graph g[data-node="hello"][data-state="successful"]"#, "workflows"),
                ("/account", "#totp-status", "account"),
            ]
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "pages") {
                    try await signIn(browser, port: port, at: "/")
                    for page in pages {
                        try await browser.open("http://127.0.0.1:\(port)\(page.path)")
                        _ = try await browser.waitFor(page.shows, timeout: .seconds(30))
                        let current = try await browser.executeScript(
                            "return document.querySelector('[aria-current=\"page\"]').dataset.nav;")
                        #expect(current == .string(page.section), "\(page.path)")
                        let links = try await browser.executeScript(
                            "return [...document.querySelectorAll('a[data-nav]')].filter((a) => !a.hidden).length;")
                        #expect(links == .number(11), "an admin sees every section's link, and their account's, on \(page.path)")
                    }
                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(console.isEmpty, "browser console errors: \(console)")

                    try await browser.open("http://127.0.0.1:\(port)/jobs/\(job)/nope")
                    try await browser.waitUntil("the not-found view") { try await browser.text(of: "h1") == "Not found" }
                    #expect(try await browser.title() == "Not found — Playhouse")
                }
            }
        }
    }

    // MARK: Helpers

    /// Makes every page of the session keep its EventSources in `window.playhouseSources`.
    static func countEventSources(_ browser: WebDriverSession) async throws {
        try await browser.devTools(
            "Page.addScriptToEvaluateOnNewDocument",
            [
                "source": .string(
                    """
                    window.playhouseSources = [];
                    window.EventSource = class extends window.EventSource {
                      constructor(...args) { super(...args); window.playhouseSources.push(this); }
                    };
                    """)
            ])
    }

    /// Waits on the job page for the job of `cancelFromThePage` to run its one task.
    static func waitForTheSleepingTask(_ browser: WebDriverSession) async throws {
        try await browser.waitUntil("#job-status to read running", timeout: .seconds(60)) {
            try await browser.text(of: "#job-status") == "running"
        }
        #expect(await ProcessCheck.waitFor("sleep 81"), "the task runs")
        try await browser.waitUntil("the running task to show", timeout: .seconds(30)) {
            try await browser.executeScript("const tasks = document.querySelector('#tasks'); return tasks ? tasks.textContent : '';")
                .stringValue?.contains("Sleep a while") == true
        }
    }

    /// Makes every request of the browser wait `milliseconds` more (0: none).
    static func delayNetwork(_ browser: WebDriverSession, milliseconds: Int) async throws {
        try await browser.devTools("Network.enable")
        try await browser.devTools(
            "Network.emulateNetworkConditions",
            [
                "offline": .bool(false), "latency": .number(Double(milliseconds)),
                "downloadThroughput": .number(-1), "uploadThroughput": .number(-1),
            ])
    }

    /// How many of the page's EventSources are still open (see ``countEventSources``).
    static let openEventSources = "return window.playhouseSources.filter((s) => s.readyState !== EventSource.CLOSED).length;"

    /// Writes the finished job page to docs/job-page.png (the README shows it).
    static func saveScreenshot(_ browser: WebDriverSession) async throws {
        // Let the last log read and the fonts settle, and start the tasks list at its top.
        try await browser.executeScript(
            """
            document.querySelector('#tasks').scrollTop = 0;
            document.querySelector('#log').scrollTop = 0;
            if (document.activeElement) document.activeElement.blur();
            """)
        try await browser.waitUntil("fonts to load") {
            try await browser.executeScript("return document.fonts.status;") == .string("loaded")
        }
        // Tall enough for the whole task list; the log box scrolls within the page.
        try await browser.setWindowSize(width: 1280, height: 1400)
        try await Task.sleep(for: .milliseconds(500))
        let png = try await browser.fullPageScreenshot()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
        let docs = TestPaths.root + "/docs"
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        try png.write(to: URL(fileURLWithPath: docs + "/job-page.png"))
        print("BrowserTests: wrote \(docs)/job-page.png (\(png.count) bytes)")
    }
}

/// Opens `path` the way a person does: the server sends the browser to the sign-in page,
/// which signs in as the fixture's `admin` and comes back to `path`.
func signIn(_ browser: WebDriverSession, port: Int, at path: String) async throws {
    try await browser.open("http://127.0.0.1:\(port)\(path)")
    try await browser.waitFor("#login-form", timeout: .seconds(30))
    #expect(try await browser.currentPath() == "/login")
    try await browser.fill("#login-name", with: ServerFixture.adminName)
    try await browser.fill("#login-password", with: ServerFixture.adminPassword)
    try await browser.click("#login-submit")
    try await browser.waitUntil("the sign-in to come back to \(path)", timeout: .seconds(30)) {
        try await browser.currentPath() == path
    }
    try await browser.waitFor("#session-user", timeout: .seconds(10))
}

/// Runs `body`; when it throws, keeps a screenshot, the HTML and the console of the page
/// in a scratch folder and says where, then rethrows.
func withDiagnostics<T>(
    _ browser: WebDriverSession, _ name: String,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T
) async throws -> T {
    do {
        return try await body()
    } catch {
        let directory = (try? TestPaths.scratch("browser-\(name)")) ?? NSTemporaryDirectory()
        if let png = try? await browser.screenshot() { try? png.write(to: URL(fileURLWithPath: directory + "/page.png")) }
        if let html = try? await browser.pageSource() {
            try? html.write(toFile: directory + "/page.html", atomically: true, encoding: .utf8)
        }
        let console = ((try? await browser.browserLog()) ?? []).map { "\($0.level) \($0.message)" }
        let url = (try? await browser.currentURL()) ?? "?"
        print("BrowserTests.\(name) failed at \(url): page.png and page.html in \(directory); console: \(console)")
        throw error
    }
}

extension JSONValue {
    fileprivate var stringArray: [String] {
        if case .array(let items) = self { return items.compactMap(\.stringValue) }
        return []
    }
}
