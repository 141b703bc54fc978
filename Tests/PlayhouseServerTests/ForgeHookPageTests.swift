import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Forge hooks made on the pages in headless Chromium: a template's (branches, the secret
/// shown once and accepted by a signed delivery) and a git project's.
@Suite struct ForgeHookPageTests {
    @Test(.timeLimit(.minutes(10)))
    func anAdminMakesAndRemovesForgeHooksOnThePages() async throws {
        let repository = try TestPaths.scratch("forge-page") + "/site"
        try await GitProjectTests.commit(
            ["site.yml": ForgeHookTests.playbook("paged"), "hosts.ini": TestPaths.localInventory(["node1"])], in: repository,
            message: "one")
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            _ = try await client.json(.post, "/api/v1/projects", body: #"{"name":"site","url":"file://\#(repository)","branch":"main"}"#)
            let template = try await client.json(
                .post, "/api/v1/templates", body: #"{"name":"deploy","project":"site","playbook":"site.yml","inventory":"hosts.ini"}"#)
            let id = try #require(template.json["id"]?.intValue)
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "forge-hooks") {
                    try await signIn(browser, port: port, at: "/templates/\(id)/launch")
                    try await browser.waitUntil("no hook yet", timeout: .seconds(30)) {
                        try await browser.executeScript(
                            "const c = document.querySelector('#forge-hook-current'); return c ? c.textContent : '';"
                        )
                        .stringValue?.contains("none: pushes launch nothing") == true
                    }
                    try await browser.fill("#forge-hook-branches", with: "main, release/*")
                    try await browser.click("#forge-hook-form button[type=submit]")
                    var secret = ""
                    try await browser.waitUntil("the secret, once", timeout: .seconds(30)) {
                        let text = try await browser.executeScript("return document.querySelector('#forge-hook-secret').textContent;")
                        secret = text.stringValue?.components(separatedBy: "again): ").last ?? ""
                        return !secret.isEmpty && secret != text.stringValue
                    }
                    let shown = try await client.json(.get, "/api/v1/templates/\(id)/forge-hook").json
                    #expect(shown["branches"] == .array([.string("main"), .string("release/*")]))
                    #expect(shown["secret"] == nil, "the secret is shown once only")
                    let ping = #"{"zen":"hi"}"#
                    let delivered = try await RawHTTP.send(
                        port: port, "POST", "/api/v1/hooks/\(id)/github",
                        headers: [
                            "X-GitHub-Event": "ping", "X-Hub-Signature-256": try await ForgeHookTests.signature(ping, secret: secret),
                        ],
                        body: ping, signedIn: false)
                    #expect(delivered.status == 200, "the page's secret signs deliveries: \(delivered.body)")
                    try await browser.click("#forge-hook-remove")
                    try await browser.waitUntil("the hook to go", timeout: .seconds(30)) {
                        try await store.templates.forgeHook(of: Int64(id)) == nil
                    }

                    try await browser.open("http://127.0.0.1:\(port)/projects/site")
                    try await browser.click("#forge-hook-make", timeout: .seconds(30))
                    try await browser.waitUntil("the project hook's secret and URLs", timeout: .seconds(30)) {
                        let values = try await browser.executeScript(
                            "return [...document.querySelectorAll('#forge-hook-made .forge-hook-value')].map((d) => d.textContent);")
                        return values.arrayCount == 3
                    }
                    #expect(try await store.templates.projectForgeHook(of: "site") != nil)
                    try await browser.click("#forge-hook-remove")
                    try await browser.waitUntil("the project hook to go", timeout: .seconds(30)) {
                        try await store.templates.projectForgeHook(of: "site") == nil
                    }
                }
            }
        }
    }
}

extension JSONValue {
    /// How many items an array holds; 0 for anything else.
    fileprivate var arrayCount: Int {
        if case .array(let items) = self { items.count } else { 0 }
    }
}
