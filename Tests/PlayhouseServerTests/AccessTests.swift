import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Who may use which route: every route of the API and the pages, asked by nobody, a
/// viewer, an operator and an admin.
@Suite struct AccessTests {
    enum Caller: String, CaseIterable {
        case nobody, viewer, `operator`, admin
    }

    /// One route: method, path (with `{…}` filled in per run), body, and the least role
    /// that may use it (nil: open to everyone).
    struct Route {
        var method: String
        var path: String
        var body: String? = nil
        var least: Role?
        /// What a caller allowed in may get, if not any 2xx.
        var allowed: Set<Int>? = nil
    }

    static func routes(_ ids: [String: Int], _ caller: Caller) -> [Route] {
        let name = caller.rawValue
        func id(_ key: String) -> String { String(ids[key] ?? 0) }
        let password = caller == .admin ? ServerFixture.adminPassword : "password-of-\(name)"
        return [
            Route(method: "GET", path: "/api/v1/health", least: nil),
            Route(method: "GET", path: "/api/v1/me", least: .viewer),
            Route(method: "GET", path: "/api/v1/login/methods", least: nil),
            // Without a right password first, there is no pending sign-in to finish.
            Route(method: "POST", path: "/api/v1/login/totp", body: #"{"token":"none","code":"123456"}"#, least: nil, allowed: [401]),
            // Started, refused a code that is none, then dropped with the password.
            Route(method: "POST", path: "/api/v1/me/totp", least: .viewer),
            Route(method: "POST", path: "/api/v1/me/totp/confirm", body: #"{"code":"not-a-code"}"#, least: .viewer, allowed: [400]),
            Route(method: "DELETE", path: "/api/v1/me/totp", body: #"{"password":"\#(password)"}"#, least: .viewer),
            Route(method: "GET", path: "/api/v1/jobs", least: .viewer),
            Route(method: "GET", path: "/api/v1/jobs/\(id("job"))", least: .viewer),
            Route(method: "GET", path: "/api/v1/jobs/\(id("job"))/events", least: .viewer),
            Route(method: "GET", path: "/api/v1/jobs/\(id("job"))/stream", least: .viewer),
            Route(method: "GET", path: "/api/v1/jobs/\(id("job"))/stdout", least: .viewer),
            Route(method: "GET", path: "/api/v1/jobs/\(id("job"))/search?q=ok", least: .viewer),
            Route(method: "GET", path: "/api/v1/jobs/\(id("job"))/tasks", least: .viewer),
            Route(method: "GET", path: "/api/v1/hosts", least: .viewer),
            Route(
                method: "POST", path: "/api/v1/jobs",
                body: #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#, least: .operator),
            // The job has ended: getting past the gate means hearing so.
            Route(method: "POST", path: "/api/v1/jobs/\(id("job"))/cancel", least: .operator, allowed: [409]),
            Route(method: "POST", path: "/api/v1/jobs/\(id("job"))/relaunch", least: .operator),
            Route(method: "GET", path: "/api/v1/templates", least: .viewer),
            Route(method: "GET", path: "/api/v1/templates/\(id("template"))", least: .viewer),
            Route(method: "GET", path: "/api/v1/templates/\(id("template"))/survey", least: .viewer),
            Route(method: "POST", path: "/api/v1/templates/\(id("template"))/launch", least: .operator),
            Route(
                method: "POST", path: "/api/v1/templates",
                body: #"{"name":"tpl-\#(name)","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini"}"#, least: .admin),
            Route(
                method: "PUT", path: "/api/v1/templates/\(id("template"))",
                body: #"{"name":"hello","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web2"}"#,
                least: .admin),
            Route(method: "DELETE", path: "/api/v1/templates/\(id("doomed-template"))", least: .admin),
            Route(method: "GET", path: "/api/v1/workflows", least: .viewer),
            Route(method: "GET", path: "/api/v1/workflows/\(id("workflow"))", least: .viewer),
            Route(method: "GET", path: "/api/v1/workflows/\(id("workflow"))/export", least: .viewer),
            Route(
                method: "POST", path: "/api/v1/workflows",
                body: #"{"name":"wf-\#(name)","nodes":[{"id":"a","type":"template","template":"hello"}]}"#, least: .admin),
            Route(
                method: "PUT", path: "/api/v1/workflows/\(id("workflow"))",
                body: #"{"name":"flow","nodes":[{"id":"b","type":"template","template":"hello"}]}"#, least: .admin),
            Route(method: "DELETE", path: "/api/v1/workflows/\(id("doomed-workflow"))", least: .admin),
            Route(method: "POST", path: "/api/v1/workflows/\(id("workflow"))/launch", least: .operator),
            Route(method: "GET", path: "/api/v1/workflows/\(id("workflow"))/schedules", least: .viewer),
            Route(method: "POST", path: "/api/v1/workflows/\(id("workflow"))/schedules", body: #"{"cron":"0 5 * * *"}"#, least: .admin),
            Route(method: "POST", path: "/api/v1/workflows/\(id("workflow"))/hook", least: .admin),
            Route(method: "GET", path: "/api/v1/workflow-jobs", least: .viewer),
            Route(method: "GET", path: "/api/v1/workflow-jobs/\(id("workflow-job"))", least: .viewer),
            Route(method: "GET", path: "/api/v1/workflow-jobs/\(id("workflow-job"))/stream", least: .viewer),
            // The run has ended in success: past the gate, there is nothing to cancel or resume.
            Route(method: "POST", path: "/api/v1/workflow-jobs/\(id("workflow-job"))/cancel", least: .operator, allowed: [409]),
            Route(method: "POST", path: "/api/v1/workflow-jobs/\(id("workflow-job"))/resume", least: .operator, allowed: [409]),
            Route(method: "GET", path: "/api/v1/approvals", least: .viewer),
            // Only the people an approval names may decide it; these callers are not named.
            Route(method: "POST", path: "/api/v1/approvals/\(id("approval"))/approve", least: .viewer, allowed: [403]),
            Route(method: "POST", path: "/api/v1/approvals/\(id("approval"))/deny", least: .viewer, allowed: [403]),
            Route(method: "GET", path: "/api/v1/projects/demo/workflows", least: .viewer),
            Route(method: "POST", path: "/api/v1/projects/demo/workflows/none.yml/launch", least: .operator, allowed: [404]),
            Route(method: "POST", path: "/api/v1/projects/demo/workflows/none.yml/import", least: .admin, allowed: [404]),
            Route(method: "GET", path: "/api/v1/schedules", least: .viewer),
            Route(method: "GET", path: "/api/v1/templates/\(id("template"))/schedules", least: .viewer),
            Route(method: "POST", path: "/api/v1/templates/\(id("template"))/schedules", body: #"{"cron":"0 3 * * *"}"#, least: .admin),
            Route(method: "PUT", path: "/api/v1/schedules/\(id("schedule"))", body: #"{"enabled":false}"#, least: .admin),
            Route(method: "DELETE", path: "/api/v1/schedules/\(id("doomed-schedule"))", least: .admin),
            Route(method: "POST", path: "/api/v1/templates/\(id("template"))/hook", least: .admin),
            Route(
                method: "POST", path: "/api/v1/templates/\(id("git-template"))/forge-hook", body: #"{"branches":["main"]}"#, least: .admin),
            Route(method: "GET", path: "/api/v1/templates/\(id("git-template"))/forge-hook", least: .admin),
            Route(method: "DELETE", path: "/api/v1/templates/\(id("git-template"))/forge-hook", least: .admin),
            // A forge hook's own routes are open, and only its signature lets a push in: no
            // sign-in stands in for it.
            Route(method: "POST", path: "/api/v1/hooks/\(id("git-template"))/github", body: "{}", least: nil, allowed: [401]),
            Route(method: "POST", path: "/api/v1/hooks/\(id("git-template"))/gitlab", body: "{}", least: nil, allowed: [401]),
            // A git project's forge hook: made and removed by an admin, let in by its signature.
            Route(method: "POST", path: "/api/v1/projects/hooked-git/forge-hook", least: .admin),
            Route(method: "DELETE", path: "/api/v1/projects/hooked-git/forge-hook", least: .admin),
            Route(method: "POST", path: "/api/v1/hooks/projects/hooked-git/github", body: "{}", least: nil, allowed: [401]),
            Route(method: "POST", path: "/api/v1/hooks/projects/hooked-git/gitlab", body: "{}", least: nil, allowed: [401]),
            Route(method: "GET", path: "/api/v1/notifications", least: .admin),
            Route(
                method: "POST", path: "/api/v1/notifications", body: #"{"name":"n-\#(name)","url":"http://127.0.0.1:9/x"}"#, least: .admin),
            Route(method: "GET", path: "/api/v1/notifications/\(id("notification"))/deliveries", least: .admin),
            Route(method: "DELETE", path: "/api/v1/notifications/\(id("doomed-notification"))", least: .admin),
            Route(method: "POST", path: "/api/v1/projects", body: #"{"name":"git-\#(name)","url":"file:///nowhere"}"#, least: .admin),
            Route(method: "DELETE", path: "/api/v1/projects/doomed-git", least: .admin),
            Route(method: "POST", path: "/api/v1/projects/keyed-git/known-hosts/confirm", least: .admin),
            Route(method: "DELETE", path: "/api/v1/projects/cleared-git/known-hosts", least: .admin),
            Route(method: "GET", path: "/api/v1/inventories", least: .viewer),
            Route(method: "GET", path: "/api/v1/inventories/\(id("inventory"))", least: .viewer),
            Route(method: "GET", path: "/api/v1/inventories/\(id("inventory"))/hosts", least: .viewer),
            Route(method: "POST", path: "/api/v1/inventories", body: #"{"name":"inv-\#(name)","content":"a\n"}"#, least: .admin),
            Route(method: "PUT", path: "/api/v1/inventories/\(id("inventory"))", body: #"{"name":"web","content":"b\n"}"#, least: .admin),
            Route(method: "DELETE", path: "/api/v1/inventories/\(id("doomed-inventory"))", least: .admin),
            Route(method: "GET", path: "/api/v1/credentials", least: .viewer),
            Route(method: "GET", path: "/api/v1/credentials/\(id("credential"))", least: .viewer),
            Route(
                method: "POST", path: "/api/v1/credentials", body: #"{"name":"cred-\#(name)","kind":"vault","password":"vault-pw"}"#,
                least: .admin),
            Route(
                method: "PUT", path: "/api/v1/credentials/\(id("credential"))",
                body: #"{"name":"vault","kind":"vault","password":"vault-pw-2"}"#, least: .admin),
            Route(method: "DELETE", path: "/api/v1/credentials/\(id("doomed-credential"))", least: .admin),
            Route(method: "GET", path: "/api/v1/projects", least: .viewer),
            Route(method: "GET", path: "/api/v1/projects/demo/playbooks", least: .viewer),
            Route(method: "GET", path: "/api/v1/projects/hooked-git/sync", least: .viewer),
            // Fetching what a project follows is no more than a launch does first.
            Route(method: "POST", path: "/api/v1/projects/hooked-git/refresh", least: .operator),
            Route(method: "GET", path: "/api/v1/workers", least: .viewer),
            Route(method: "GET", path: "/api/v1/queue", least: .viewer),
            Route(method: "GET", path: "/api/v1/projects/demo/worker-groups", least: .viewer),
            Route(method: "PUT", path: "/api/v1/projects/demo/worker-groups", body: #"{"worker_groups":[]}"#, least: .admin),
            Route(method: "GET", path: "/api/v1/environments", least: .viewer),
            Route(method: "GET", path: "/api/v1/environments/\(id("environment"))", least: .viewer),
            Route(
                method: "POST", path: "/api/v1/environments", body: #"{"name":"env-\#(name)","ansible_core":"2.17.14"}"#, least: .admin),
            Route(method: "DELETE", path: "/api/v1/environments/\(id("doomed-environment"))", least: .admin),
            Route(method: "PUT", path: "/api/v1/projects/demo/environment", body: #"{"environment":"pinned"}"#, least: .admin),
            Route(
                method: "PUT", path: "/api/v1/templates/\(id("template"))/environment", body: #"{"environment":null}"#, least: .admin),
            Route(method: "GET", path: "/api/v1/environment-builds", least: .viewer),
            Route(method: "GET", path: "/api/v1/environment-builds/\(id("environment-build"))", least: .admin),
            Route(method: "GET", path: "/api/v1/users", least: .admin),
            Route(
                method: "POST", path: "/api/v1/users", body: #"{"name":"new-\#(name)","role":"viewer","password":"a-long-password"}"#,
                least: .admin),
            Route(method: "GET", path: "/api/v1/users/\(id("viewer"))", least: .admin),
            Route(method: "PUT", path: "/api/v1/users/\(id("doomed-user"))", body: #"{"role":"operator"}"#, least: .admin),
            Route(method: "POST", path: "/api/v1/users/\(id("doomed-user"))/revoke", least: .admin),
            // The user has no second factor: getting past the gate means hearing so.
            Route(method: "DELETE", path: "/api/v1/users/\(id("doomed-user"))/totp", least: .admin, allowed: [404]),
            Route(method: "DELETE", path: "/api/v1/users/\(id("doomed-user"))", least: .admin),
            Route(method: "GET", path: "/api/v1/teams", least: .admin),
            Route(method: "POST", path: "/api/v1/teams", body: #"{"name":"team-\#(name)"}"#, least: .admin),
            Route(method: "PUT", path: "/api/v1/teams/\(id("team"))", body: #"{"members":["viewer"]}"#, least: .admin),
            Route(method: "DELETE", path: "/api/v1/teams/\(id("doomed-team"))", least: .admin),
            Route(method: "GET", path: "/api/v1/grants", least: .admin),
            Route(
                method: "POST", path: "/api/v1/grants",
                body: #"{"subject_kind":"team","subject":"team","resource_kind":"project","resource":"p-\#(name)"}"#, least: .admin),
            Route(method: "DELETE", path: "/api/v1/grants/\(id("doomed-grant"))", least: .admin),
            Route(method: "GET", path: "/api/v1/tokens", least: .viewer),
            Route(method: "POST", path: "/api/v1/tokens", body: #"{"name":"t-\#(name)","expires":"1d"}"#, least: .viewer),
            Route(method: "DELETE", path: "/api/v1/tokens/\(id("doomed-token-\(name)"))", least: .viewer),
            Route(method: "GET", path: "/api/v1/audit", least: .admin),
            Route(method: "GET", path: "/metrics", least: .admin),
        ]
    }

    @Test func everyRouteTurnsAwayWhoMayNotUseIt() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            var tokens: [Caller: String] = [:]
            var ids: [String: Int] = [:]
            for (caller, role) in [(Caller.viewer, Role.viewer), (.operator, .operator), (.admin, .admin)] {
                var user = try await store.users.named(caller.rawValue)
                if user == nil {
                    user = try await store.users.create(name: caller.rawValue, role: role, password: "password-of-\(caller)", cost: 4)
                }
                guard let user else { throw TestFailure("no \(caller) user") }
                ids[caller.rawValue] = Int(user.id)
                tokens[caller] = try await store.users.createToken(userID: user.id, name: "table", expiresAt: nil).1
            }
            for kind in Grant.ResourceKind.allCases {
                for caller in ["viewer", "operator"] {
                    _ = try await store.users.createGrant(subjectKind: .user, subject: caller, resourceKind: kind, resource: Grant.any)
                }
            }
            ids["inventory"] = Int(try await store.inventories.create(name: "web", kind: .static, content: "a\n").id)
            ids["doomed-inventory"] = Int(try await store.inventories.create(name: "doomed", kind: .static, content: "a\n").id)
            let box = SecretBox.random()
            ids["credential"] = Int(
                try await store.credentials.create(name: "vault", kind: .vault, secret: CredentialSecret(["password": "p-1234"]), box: box)
                    .id)
            ids["doomed-credential"] = Int(
                try await store.credentials.create(name: "doomed", kind: .vault, secret: CredentialSecret(["password": "p-1234"]), box: box)
                    .id)
            ids["doomed-user"] = Int(try await store.users.create(name: "doomed", role: .viewer, password: "doomed-password", cost: 4).id)
            let hello = TemplateDefinition(
                parameters: JobParameters(project: "demo", playbook: "hello.yml", inventory: "inventory/local.ini", limit: "web1"),
                allowConcurrent: true)
            ids["template"] = Int(try await store.templates.create(name: "hello", definition: hello).id)
            ids["doomed-template"] = Int(try await store.templates.create(name: "doomed", definition: hello).id)
            ids["schedule"] = Int(
                try await store.templates.createSchedule(
                    for: .template(Int64(ids["template"]!)), cron: "0 3 * * *", timeZone: "UTC", createdBy: "admin"
                ).id)
            ids["doomed-schedule"] = Int(
                try await store.templates.createSchedule(
                    for: .template(Int64(ids["template"]!)), cron: "0 4 * * *", timeZone: "UTC", createdBy: "admin"
                ).id)
            ids["notification"] = Int(
                try await store.notificationTargets.create(
                    name: "n", url: "http://127.0.0.1:9/x", events: [.failed], format: .json, templateID: nil
                ).id)
            ids["doomed-notification"] = Int(
                try await store.notificationTargets.create(
                    name: "doomed", url: "http://127.0.0.1:9/x", events: [.failed], format: .json, templateID: nil
                ).id)
            _ = try await store.templates.saveGitProject(name: "doomed-git", url: "file:///nowhere", branch: "main", credentialID: nil)
            _ = try await store.templates.saveGitProject(name: "hooked-git", url: "file:///nowhere", branch: "main", credentialID: nil)
            for name in ["keyed-git", "cleared-git"] {
                _ = try await store.templates.saveGitProject(
                    name: name, url: "ssh://git@127.0.0.1:2222/repo.git", branch: "main", credentialID: nil,
                    knownHosts: "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJoXg8xLvAZTb5heJYWIrCXLGdTvbRzVR/3vRnzJpmJ3")
            }
            ids["git-template"] = Int(
                try await store.templates.create(
                    name: "git-hello",
                    definition: TemplateDefinition(
                        parameters: JobParameters(project: "hooked-git", playbook: "site.yml", inventory: "hosts.ini"))
                ).id)
            let pinned = try AnsibleEnvironment(ansibleCore: "2.17.14")
            ids["environment"] = Int(try await store.environments.create(name: "pinned", environment: pinned, by: "admin").id)
            ids["doomed-environment"] = Int(try await store.environments.create(name: "doomed", environment: pinned, by: "admin").id)
            _ = try await store.environments.startBuild(key: "k", worker: "w", label: pinned.label)
            ids["environment-build"] = Int(try #require(try await store.environments.builds().first).id)
            ids["team"] = Int(try await store.users.createTeam(name: "team").id)
            ids["doomed-team"] = Int(try await store.users.createTeam(name: "doomed-team").id)
            ids["doomed-grant"] = Int(
                try await store.users.createGrant(subjectKind: .team, subject: "team", resourceKind: .project, resource: "demo").id)
            for caller in ["viewer", "operator", "admin"] {
                ids["doomed-token-\(caller)"] = Int(
                    try await store.users.createToken(userID: Int64(ids[caller]!), name: "doomed", expiresAt: nil).0.id)
            }
            let job = try await client.launch(
                #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
            _ = try await client.waitForEnd(job)
            ids["job"] = Int(job)
            let flow = WorkflowDefinition(nodes: [WorkflowNode(id: "a", kind: .template, template: .name("hello"))])
            ids["workflow"] = Int(try await store.workflows.create(name: "flow", definition: flow).id)
            ids["doomed-workflow"] = Int(try await store.workflows.create(name: "doomed-flow", definition: flow).id)
            let ended = try await store.workflows.insertJob(
                WorkflowJobDraft(
                    workflowID: nil, name: "ended", source: nil, definition: flow, launchedBy: "admin", launch: WorkflowLaunch()))
            try await store.workflows.end(ended.id, status: .successful)
            ids["workflow-job"] = Int(ended.id)
            let gate = WorkflowDefinition(nodes: [WorkflowNode(id: "gate", kind: .approval, approval: ApprovalRule(users: ["someone"]))])
            let gated = try await store.workflows.insertJob(
                WorkflowJobDraft(
                    workflowID: nil, name: "gated", source: nil, definition: gate, launchedBy: "admin", launch: WorkflowLaunch()))
            ids["approval"] = Int(try #require(try await store.workflows.nodes(of: gated.id).first).id)

            for caller in Caller.allCases {
                for route in Self.routes(ids, caller) {
                    let headers = tokens[caller].map { ["Authorization": "Bearer \($0)"] } ?? [:]
                    let answer = try await RawHTTP.send(
                        port: port, route.method, route.path, headers: headers, body: route.body, signedIn: false)
                    let what = "\(caller) \(route.method) \(route.path) → \(answer.status) \(answer.body.prefix(200))"
                    guard let least = route.least else {
                        #expect(route.allowed?.contains(answer.status) ?? (answer.status == 200), "\(what)")
                        continue
                    }
                    switch caller {
                    case .nobody:
                        #expect(answer.status == 401, "\(what)")
                        #expect(answer.body.contains(#""error":"sign in first""#), "\(what)")
                    case .viewer, .operator, .admin:
                        let role = Role(rawValue: caller.rawValue)!
                        if role < least {
                            #expect(answer.status == 403, "\(what)")
                            #expect(answer.body.contains("needs the \(least.rawValue) role"), "\(what)")
                        } else if let allowed = route.allowed {
                            #expect(allowed.contains(answer.status), "\(what)")
                        } else {
                            #expect((200..<300).contains(answer.status), "\(what)")
                        }
                    }
                }
            }
        }
    }

    @Test func pagesSendStrangersToTheSignInPage() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            for path in ["/", "/launch", "/jobs/3", "/projects", "/projects/site", "/inventories", "/workers", "/audit"] {
                let answer = try await RawHTTP.send(port: port, "GET", path, signedIn: false)
                #expect(answer.status == 303, "\(path)")
                #expect(answer.header("Location") == "/login?next=\(path)")
            }
            for path in ["/login", "/assets/app.js", "/assets/app.css"] {
                let answer = try await RawHTTP.send(port: port, "GET", path, signedIn: false)
                #expect(answer.status == 200, "\(path) is open")
                #expect(answer.header("X-Frame-Options") == "DENY")
                #expect(answer.header("X-Content-Type-Options") == "nosniff")
            }
            let stale = try await RawHTTP.send(
                port: port, "GET", "/api/v1/health", headers: ["Authorization": "Bearer ph_revoked"], signedIn: false)
            #expect(stale.status == 200, "an unknown token does not shut the open routes")
            let page = try await RawHTTP.send(port: port, "GET", "/launch")
            #expect(page.status == 200)
            #expect(page.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
        }
    }

    @Test func aSessionCookieNeedsItsCSRFTokenToChangeAnything() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            let wrong = try await RawHTTP.send(
                port: port, "POST", "/api/v1/login", body: #"{"name":"admin","password":"not-it"}"#, signedIn: false)
            #expect(wrong.status == 401)
            #expect(wrong.body.contains("wrong name or password"))

            let forged = try await RawHTTP.send(
                port: port, "POST", "/api/v1/login", headers: ["Origin": "http://evil.example"],
                body: #"{"name":"admin","password":"\#(ServerFixture.adminPassword)"}"#, signedIn: false)
            #expect(forged.status == 403, "another site cannot sign a browser in")
            let login = try await RawHTTP.send(
                port: port, "POST", "/api/v1/login", body: #"{"name":"admin","password":"\#(ServerFixture.adminPassword)"}"#,
                signedIn: false)
            #expect(login.status == 200)
            let setCookie = try #require(login.header("Set-Cookie"))
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
            let cookie = try #require(setCookie.split(separator: ";").first.map(String.init))
            let csrf = try #require(JSONValue.parse(login.body)?["csrf_token"]?.stringValue)
            #expect(!login.body.contains(cookie.split(separator: "=").last.map(String.init) ?? "?"), "the session id is only in the cookie")

            let me = try await RawHTTP.send(port: port, "GET", "/api/v1/me", headers: ["Cookie": cookie], signedIn: false)
            #expect(JSONValue.parse(me.body)?["name"] == .string("admin"))

            let launch = #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#
            for (headers, reason) in [
                (["Cookie": cookie], "the CSRF token is missing or wrong"),
                (["Cookie": cookie, "X-CSRF-Token": "guess"], "the CSRF token is missing or wrong"),
                (["Cookie": cookie, "X-CSRF-Token": csrf, "Origin": "http://evil.example"], "the request comes from another site"),
            ] {
                let refused = try await RawHTTP.send(port: port, "POST", "/api/v1/jobs", headers: headers, body: launch, signedIn: false)
                #expect(refused.status == 403)
                #expect(refused.body.contains(reason), "\(refused.body)")
            }
            #expect(try await store.jobs.list().isEmpty, "nothing was launched without the token")
            let accepted = try await RawHTTP.send(
                port: port, "POST", "/api/v1/jobs",
                headers: ["Cookie": cookie, "X-CSRF-Token": csrf, "Origin": "http://127.0.0.1:\(port)"],
                body: launch, signedIn: false)
            #expect(accepted.status == 202, "\(accepted.body)")
            #expect(JSONValue.parse(accepted.body)?["launched_by"] == .string("admin"))

            let again = try await RawHTTP.send(
                port: port, "POST", "/api/v1/login", headers: ["Cookie": cookie],
                body: #"{"name":"admin","password":"\#(ServerFixture.adminPassword)"}"#, signedIn: false)
            #expect(again.status == 200, "signing in again with an old cookie needs no CSRF token: \(again.body)")

            let logout = try await RawHTTP.send(
                port: port, "POST", "/api/v1/logout", headers: ["Cookie": cookie, "X-CSRF-Token": csrf], signedIn: false)
            #expect(logout.status == 204)
            #expect(logout.header("Set-Cookie")?.contains("Max-Age=0") == true)
            let after = try await RawHTTP.send(port: port, "GET", "/api/v1/me", headers: ["Cookie": cookie], signedIn: false)
            #expect(after.status == 401, "a signed-out session is gone")

            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            for action in ["login.failed", "\"login\"", "job.launch", "logout"] { #expect(audit.contains(action), "\(action) in \(audit)") }
            #expect(audit.contains(#""source":"127.0.0.1""#))
        }
    }

    @Test func repeatedWrongPasswordsAreSlowedDown() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            for _ in 0..<5 {
                let wrong = try await RawHTTP.send(
                    port: port, "POST", "/api/v1/login", body: #"{"name":"admin","password":"guess-guess"}"#, signedIn: false)
                #expect(wrong.status == 401)
            }
            let throttled = try await RawHTTP.send(
                port: port, "POST", "/api/v1/login", body: #"{"name":"admin","password":"\#(ServerFixture.adminPassword)"}"#,
                signedIn: false)
            #expect(throttled.status == 429, "even the right password waits")
            #expect(throttled.body.contains("too many failed sign-ins"))
            #expect(try await client.json(.get, "/api/v1/audit").json.jsonString().contains("login.throttled"))
        }
    }

    @Test func grantsNarrowWhatAnOperatorSeesAndLaunches() async throws {
        let projects = try TestPaths.makeProject(
            "granted",
            files: [
                "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n",
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        try FileManager.default.createDirectory(atPath: projects + "/other", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: projects + "/granted/hello.yml", toPath: projects + "/other/hello.yml")
        try FileManager.default.copyItem(atPath: projects + "/granted/hosts.ini", toPath: projects + "/other/hosts.ini")
        try await ServerFixture.with(projects: projects) { client, store in
            let port = try #require(client.port)
            let otto = try await store.users.create(name: "otto", role: .operator, password: "otto-password", cost: 4)
            let token = try await store.users.createToken(userID: otto.id, name: "t", expiresAt: nil).1
            let team = try await store.users.createTeam(name: "ops")
            _ = try await store.users.setTeamMembers(team.id, users: ["otto"])
            _ = try await store.users.createGrant(subjectKind: .team, subject: "ops", resourceKind: .project, resource: "granted")
            let hidden = try await client.launch(#"{"project":"other","playbook":"hello.yml","inventory":"hosts.ini"}"#)
            let inventory = try await store.inventories.create(name: "secret hosts", kind: .static, content: "a\n")
            let auth = ["Authorization": "Bearer \(token)"]

            let refused = try await RawHTTP.send(
                port: port, "POST", "/api/v1/jobs", headers: auth,
                body: #"{"project":"other","playbook":"hello.yml","inventory":"hosts.ini"}"#)
            #expect(refused.status == 403)
            #expect(refused.body.contains(#"you have no grant on project \"other\""#))
            let storedInventory = try await RawHTTP.send(
                port: port, "POST", "/api/v1/jobs", headers: auth,
                body: #"{"project":"granted","playbook":"hello.yml","inventory":"\#(inventory.id)"}"#)
            #expect(storedInventory.status == 403)
            let launched = try await RawHTTP.send(
                port: port, "POST", "/api/v1/jobs", headers: auth,
                body: #"{"project":"granted","playbook":"hello.yml","inventory":"hosts.ini"}"#)
            #expect(launched.status == 202, "\(launched.body)")
            let mine = try #require(JSONValue.parse(launched.body)?["id"]?.intValue)

            let list = JSONValue.parse(try await RawHTTP.send(port: port, "GET", "/api/v1/jobs", headers: auth).body)
            guard case .array(let jobs)? = list?["jobs"] else { throw TestFailure("no job list") }
            #expect(jobs.compactMap { $0["id"]?.intValue } == [mine], "only the granted project's jobs")
            #expect(try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(hidden)", headers: auth).status == 404)
            #expect(try await RawHTTP.send(port: port, "POST", "/api/v1/jobs/\(hidden)/cancel", headers: auth).status == 404)
            for read in ["stdout", "stdout?from=1&to=5", "search?q=ok", "search?failures=true", "stream", "tasks", "tasks/1/results"] {
                #expect(try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(hidden)/\(read)", headers: auth).status == 404, "\(read)")
            }
            let projectsSeen = try await RawHTTP.send(port: port, "GET", "/api/v1/projects", headers: auth).body
            #expect(projectsSeen.contains("granted") && !projectsSeen.contains("other"))
            #expect(try await RawHTTP.send(port: port, "GET", "/api/v1/inventories", headers: auth).body.contains("secret hosts") == false)
        }
    }
}
