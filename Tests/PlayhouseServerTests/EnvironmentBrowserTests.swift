import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// The pages of environments in headless Chromium: a job waiting for its environment says
/// so, a job that ran names it; the Environments page defines one and shows a build's log.
@Suite struct EnvironmentBrowserTests {
    @Test(.timeLimit(.minutes(10)))
    func aJobSaysItWaitsForItsEnvironmentAndTheBuildShowsItsLog() async throws {
        let root = try EnvironmentTests.projects([
            "pinned": [
                "site.yml": EnvironmentTests.versionPlay, "hosts.ini": TestPaths.localInventory(["node1"]),
                "playhouse.yml": "ansible-core: \"2.17.14\"\n",
            ]
        ])
        // A package index that never answers keeps the build (and the job) waiting while the
        // page loads: a real build is often done before a browser has signed in.
        let (silent, silentPort) = try Loopback.silentListener()
        defer { close(silent) }
        let scratch = try TestPaths.scratch("env-wait-page")
        let port = try Loopback.freePort()
        let server = try PlayhouseProcess.serve(
            port: port, database: scratch + "/playhouse.sqlite", projects: root, runs: scratch + "/runs", log: scratch + "/serve.log",
            environment: [
                "PLAYHOUSE_ADMIN_PASSWORD": ServerFixture.adminPassword, "PIP_INDEX_URL": "http://127.0.0.1:\(silentPort)/simple",
                "PIP_DEFAULT_TIMEOUT": "120", "PIP_RETRIES": "0",
            ])
        do {
            try await server.waitUntilReady()
            let launched = try await RawHTTP.request(
                port: port, "POST", "/api/v1/jobs", body: #"{"project":"pinned","playbook":"site.yml","inventory":"hosts.ini"}"#)
            let id = try #require(launched.json["id"]?.intValue, "\(launched.json.jsonString())")
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "environment-wait") {
                    try await signIn(browser, port: port, at: "/jobs/\(id)")
                    try await browser.waitUntil("the job to say why it waits", timeout: .seconds(60)) {
                        try await browser.executeScript(
                            "const w = document.querySelector('#job-waiting'); return w && !w.hidden ? w.textContent : '';"
                        ).stringValue?.hasPrefix("Waiting: waiting for its Ansible environment (ansible-core 2.17.14, from playhouse.yml)")
                            == true
                    }
                }
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        try await ServerFixture.with(projects: root) { client, _ in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            let id = try await EnvironmentTests.launch(client, "pinned")
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "environments") {
                    try await signIn(browser, port: port, at: "/jobs/\(id)")
                    try await browser.waitUntil("the job to end with its environment named", timeout: .seconds(300)) {
                        let status = try await browser.text(of: "#job-status")
                        let environment = try await browser.text(of: "#job-environment")
                        return status == "successful" && environment == "ansible-core 2.17.14 (playhouse.yml)"
                    }
                    #expect(try await browser.executeScript("return document.querySelector('#job-waiting').hidden;") == .bool(true))

                    try await browser.open("http://127.0.0.1:\(port)/environments")
                    try await browser.fill("#environment-name", with: "netops")
                    try await browser.fill("#environment-core", with: "2.18.19")
                    try await browser.fill("#environment-packages", with: "netaddr==1.3.0\n")
                    try await browser.click("#environment-form button[type=submit]")
                    _ = try await browser.waitFor(#".environment-row[data-name="netops"]"#, timeout: .seconds(30))
                    #expect(try await browser.text(of: #".environment-row[data-name="netops"]"#).contains("netaddr==1.3.0"))
                    _ = try await browser.waitFor(#".build-row[data-status="ready"]"#, timeout: .seconds(30))
                    try await browser.click(#".build-row[data-status="ready"] button[data-action="log"]"#)
                    try await browser.waitUntil("the build's log", timeout: .seconds(30)) {
                        try await browser.text(of: "#environment-build-log").contains("Successfully installed")
                    }
                }
            }
        }
    }
}
