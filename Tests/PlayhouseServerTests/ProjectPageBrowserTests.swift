import Foundation
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// A git project's page in a real browser: the worker's mirror with its commit and cached
/// requirements, and the Refresh button, whose fetch the page shows when it lands.
@Suite(.serialized)
struct ProjectPageBrowserTests {
    /// What the page shows of the (one) worker's mirror, read in one go (the page polls).
    static let mirrorState = """
        const row = document.querySelector('#mirror-rows tr.mirror-row');
        return row && {
          worker: row.dataset.worker,
          commit: (row.querySelector('.mirror-commit span') || {}).title || '',
          requirements: [...row.querySelectorAll('.mirror-requirements li .mono')].map((file) => file.textContent),
        };
        """

    @Test(.timeLimit(.minutes(10)))
    func theProjectPageShowsTheMirrorAndARefreshLanding() async throws {
        let scratch = try TestPaths.scratch("project-page")
        let role = try await GitProjectTests.greeterRole(in: scratch, message: "greeter role is here")
        let repository = scratch + "/site"
        let first = try await GitProjectTests.commit(
            [
                "site.yml": ProjectSyncTests.playbook("one"), "hosts.ini": TestPaths.localInventory(["node1"]),
                "roles/requirements.yml": "- src: git+file://\(role)\n  name: greeter\n",
            ], in: repository, message: "one")
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            let created = try await RawHTTP.request(
                port: port, "POST", "/api/v1/projects", body: #"{"name":"site","url":"file://\#(repository)","branch":"main"}"#)
            #expect(created.status == 201)
            let launched = try await RawHTTP.request(
                port: port, "POST", "/api/v1/jobs", body: #"{"project":"site","playbook":"site.yml","inventory":"hosts.ini"}"#)
            let id = try #require(launched.json["id"]?.intValue)
            #expect(try await waitForEnd(port: port, id)["status"] == .string("successful"))

            try await withChromeSession { browser in
                try await withDiagnostics(browser, "project") {
                    try await signIn(browser, port: port, at: "/projects")
                    try await browser.click(#"#projects tr.project-row[data-name="site"] a"#, timeout: .seconds(30))
                    try await browser.waitUntil("the project page", timeout: .seconds(15)) {
                        try await browser.currentPath() == "/projects/site"
                    }
                    var shown: JSONValue = .null
                    try await browser.waitUntil("the worker's mirror at the first commit", timeout: .seconds(30)) {
                        shown = try await browser.executeScript(Self.mirrorState)
                        return shown["commit"] == .string(first)
                    }
                    #expect(shown["worker"] == .string("test-worker"))
                    #expect(shown["requirements"] == .array([.string("roles/requirements.yml")]), "\(shown.jsonString())")
                    let environment = try await browser.executeScript(
                        "return [...document.querySelectorAll('#project-environment dd')].map((dd) => dd.textContent);")
                    #expect(
                        environment
                            == .array([
                                .string("none (the project's playhouse.yml, if it has one)"),
                                .string("#\(id) with Playhouse's own Ansible"),
                            ]),
                        "\(environment.jsonString())")

                    let second = try await GitProjectTests.commit(
                        ["site.yml": ProjectSyncTests.playbook("two")], in: repository, message: "two")
                    try await browser.click("#refresh-project")
                    try await browser.waitUntil("the refresh to land on the page", timeout: .seconds(60)) {
                        shown = try await browser.executeScript(Self.mirrorState)
                        return shown["commit"] == .string(second)
                    }
                    #expect(try await browser.text(of: try await browser.find("#project-summary")).contains("file://\(repository)"))

                    // An admin chooses the worker groups its jobs run on.
                    #expect(try await browser.text(of: "#project-worker-groups") == "any group")
                    try await browser.fill("#project-worker-groups-input", with: "dmz, lab")
                    try await browser.click("#project-worker-groups-save")
                    try await browser.waitUntil("the groups to be saved", timeout: .seconds(15)) {
                        try await browser.text(of: "#project-worker-groups") == "dmz, lab"
                    }
                    let groups = try await RawHTTP.request(port: port, "GET", "/api/v1/projects/site/worker-groups")
                    #expect(groups.json["worker_groups"] == .array([.string("dmz"), .string("lab")]))
                }
            }
        }
    }
}
