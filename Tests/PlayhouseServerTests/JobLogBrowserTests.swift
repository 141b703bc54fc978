import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// The job page's log in a real browser, on a real run with a long, coloured log: it
/// follows the tail live, jumps to the first failure, to a search hit and to the lines an
/// address names, offers the download, and keeps only what is on screen in the page.
extension BrowserTests {
    static let bigLogFiles = [
        "big.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - name: Settle
              ansible.builtin.command: sleep 2
            - name: Count
              ansible.builtin.debug: { msg: "Item-{{ '%04d' | format(item) }}" }
              loop: "{{ range(1, 1201) | list }}"
              loop_control: { pause: 0.004 }
            - name: Long line
              ansible.builtin.debug: { msg: "{{ 'wide ' * 600 }}" }
            - name: Break
              ansible.builtin.fail: { msg: "broken on purpose" }
        """,
        "hosts.ini": TestPaths.localInventory(["a"]),
    ]

    /// The log view as the reader sees it: the rows in the page, those on screen, and the highlighted ones.
    static let logState = """
        const box = document.querySelector('#log');
        if (!box) return { status: '' };
        const view = box.getBoundingClientRect();
        const rows = [...box.querySelectorAll('.log-line')];
        const onScreen = rows.filter((row) => {
          const rect = row.getBoundingClientRect();
          return rect.bottom > view.top && rect.top < view.bottom;
        });
        const text = (row) => row.textContent.replace(/^\\d+/, '');
        return {
          total: Number(box.dataset.total), follow: box.dataset.follow, rows: rows.length,
          first: onScreen.length ? Number(onScreen[0].dataset.line) : 0,
          last: onScreen.length ? Number(onScreen[onScreen.length - 1].dataset.line) : 0,
          screen: onScreen.map(text).join('\\n'),
          hits: [...box.querySelectorAll('.log-hit')].filter((row) => onScreen.includes(row))
            .map((row) => ({ line: Number(row.dataset.line), text: text(row) })),
          status: document.querySelector('#job-status').textContent,
        };
        """

    @Test(.timeLimit(.minutes(10)))
    func theLogOfABigRunFollowsJumpsAndSearches() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.bigLogFiles)
        try await ServerFixture.with(projects: projects) { client, _ in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            // Launched once the browser is ours, so that the page sees the run live.
            try await withChromeSession { browser in
                let id = try await client.launch(#"{"project":"p","playbook":"big.yml","inventory":"hosts.ini"}"#)
                try await withDiagnostics(browser, "big-log") {
                    try await signIn(browser, port: port, at: "/jobs/\(id)")
                    // Live: the view follows the end while lines come.
                    var state: JSONValue = .null
                    var followedLines: [Int] = []
                    try await browser.waitUntil("the job to end", timeout: .seconds(120), poll: .milliseconds(200)) {
                        state = try await browser.executeScript(Self.logState)
                        if state["status"] == .string("running"), state["follow"] == .string("on"), let last = state["last"]?.intValue,
                            last > 0, last >= (state["total"]?.intValue ?? 0) - 1
                        {
                            followedLines.append(last)
                        }
                        return state["status"]?.stringValue.map { !["", "queued", "running"].contains($0) } ?? false
                    }
                    #expect(Set(followedLines).count >= 2, "the view showed the last line as it moved: \(followedLines)")
                    #expect(state["status"] == .string("failed"))
                    try await browser.waitUntil("the view to show the end of the log") {
                        state = try await browser.executeScript(Self.logState)
                        return state["last"] == state["total"] && state["screen"]?.stringValue?.contains("PLAY RECAP") == true
                    }
                    let total = try #require(state["total"]?.intValue)
                    #expect(total > 3_600, "three lines an item: \(state.jsonString())")
                    #expect((state["rows"]?.intValue ?? .max) < 300, "only the rows on screen are in the page: \(state.jsonString())")

                    // The first failure.
                    try await browser.click("#log-first-failure")
                    try await browser.waitUntil("the first failure to be shown") {
                        state = try await browser.executeScript(Self.logState)
                        return state["hits"]?.firstItem?["text"]?.stringValue?.hasPrefix("fatal: [a]: FAILED!") == true
                    }
                    #expect(try await browser.currentURL().hasSuffix("#L\(state["hits"]?.firstItem?["line"]?.intValue ?? 0)"))

                    // A search, served by the server, and its hit.
                    try await browser.fill("#log-search", with: "item-0777")
                    try await browser.executeScript("document.querySelector('#log-search-form').requestSubmit();")
                    try await browser.waitUntil("the search to show its hit") {
                        state = try await browser.executeScript(Self.logState)
                        return state["hits"]?.firstItem?["text"]?.stringValue?.contains("Item-0777") == true
                    }
                    let count = try await browser.text(of: "#log-search-count")
                    #expect(count.hasPrefix("1 of "), "\(count)")

                    // Lines by address, in a fresh page.
                    try await browser.open("http://127.0.0.1:\(port)/jobs/\(id)#L100-L105")
                    try await browser.waitUntil("lines 100 to 105 to be shown") {
                        state = try await browser.executeScript(Self.logState)
                        return state["hits"]?.arrayCount == 6
                    }
                    #expect(state["hits"]?.firstItem?["line"] == .number(100))

                    // The download is the whole log, as a file.
                    let download = try await browser.executeScript(
                        """
                        const link = document.querySelector('#log-download');
                        return fetch(link.href).then(async (r) => ({
                          disposition: r.headers.get('content-disposition'), lines: (await r.text()).split('\\n').length - 1,
                        }));
                        """)
                    #expect(download["disposition"]?.stringValue?.hasPrefix("attachment;") == true)
                    #expect(download["lines"] == .number(Double(total)))

                    // The loop is one task; its items come when it is opened.
                    let loop = #"#tasks .task:has(.chip.items)"#
                    try await browser.waitFor(loop + " .chip.items")
                    #expect(try await browser.text(of: loop + " .chip.items").hasPrefix("1200 items"))
                    try await browser.click(loop + " .task-head")
                    try await browser.waitFor(loop + " .task-results .result")
                    #expect(try await browser.findAll(loop + " .task-results .result").count == 100)
                    #expect(try await browser.findAll(loop + " .more-results").count == 1)

                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(console.isEmpty, "browser console errors: \(console)")
                }
            }
        }
    }
}

extension JSONValue {
    fileprivate var arrayCount: Int {
        if case .array(let items) = self { return items.count }
        return 0
    }

    fileprivate var firstItem: JSONValue? {
        if case .array(let items) = self { return items.first }
        return nil
    }
}
