import Foundation
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// The Projects page in a real browser: a git project's learned SSH host keys, shown as
/// unconfirmed (as text, however odd the host name), confirmed and cleared by an admin.
@Suite(.serialized) struct ProjectsPageTests {
    @Test(.timeLimit(.minutes(10)))
    func anAdminConfirmsAndClearsTheKeysAFirstCloneTrusted() async throws {
        try await ServerFixture.with { client, store in
            let port = try #require(client.port)
            _ = try await store.templates.saveGitProject(
                name: "forge", url: "ssh://git@127.0.0.1:2222/repo.git", branch: "main", credentialID: nil)
            let learned = "<b>forge</b>" + GitHostKeyTests.otherHostKey.drop(while: { $0 != " " })
            #expect(try await store.templates.learnKnownHosts(KnownHosts(validating: learned), ofGitProject: "forge"))
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "projects") {
                    try await signIn(browser, port: port, at: "/projects")
                    let row = #"#projects tr.project-row[data-name="forge"]"#
                    _ = try await browser.waitFor(row + " .known-hosts-unconfirmed", timeout: .seconds(30))
                    let text = try await browser.text(of: row)
                    #expect(text.contains("<b>forge</b> ssh-ed25519 SHA256:TyFum0pTUIIRaq/oNtVsTOUEdEOTqGU6YCKhbBkX+84"), "\(text)")
                    #expect(try await browser.findAll(row + " b").isEmpty, "the host name is text, never markup")

                    try await browser.click(row + " .known-hosts-confirm")
                    _ = try await browser.waitFor(row + " .known-hosts-confirmed", timeout: .seconds(15))
                    #expect(try await browser.findAll(row + " .known-hosts-confirm").isEmpty, "nothing left to confirm")
                    #expect(try await store.templates.gitProject(named: "forge")?.knownHostsConfirmed == true)

                    try await browser.click(row + " .known-hosts-clear")
                    _ = try await browser.waitFor(row + " .known-hosts-none", timeout: .seconds(15))
                    #expect(try await store.templates.gitProject(named: "forge")?.knownHosts == "")
                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(console.isEmpty, "browser console errors: \(console)")
                }
            }
        }
    }
}
