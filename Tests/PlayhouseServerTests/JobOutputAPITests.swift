import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// A job's log over the API: line ranges (query and `Range`), the whole log as a
/// download, and search, on the log of a real run.
@Suite struct JobOutputAPITests {
    static let files = [
        "loop.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - name: Count
              ansible.builtin.debug: { msg: "Item-{{ '%04d' | format(item) }}" }
              loop: "{{ range(1, 301) | list }}"
            - name: Break
              ansible.builtin.fail: { msg: "broken on purpose" }
              ignore_errors: true
        """,
        "hosts.ini": TestPaths.localInventory(["a"]),
    ]

    static let launch = #"{"project":"p","playbook":"loop.yml","inventory":"hosts.ini"}"#

    func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    }

    @Test func rangesDownloadsAndBoundsOfAFinishedLog() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        try await ServerFixture.with(projects: projects) { client, _ in
            let id = try await client.launch(Self.launch)
            let job = try await client.waitForEnd(id)
            let total = try #require(job["output_lines"]?.intValue)

            let (status, headers, whole) = try await client.text("/api/v1/jobs/\(id)/stdout")
            #expect(status == .ok)
            #expect(headers[.contentDisposition] == #"attachment; filename="job-\#(id)-ansi.log""#)
            #expect(headers[.acceptRanges] == "lines")
            #expect(whole.contains("\u{1B}["), "the download keeps the colours")
            let all = lines(whole)
            #expect(all.count == total, "the job counts every line of its log")
            #expect(total > 300)
            let plain = try await client.text("/api/v1/jobs/\(id)/stdout?ansi=0")
            #expect(plain.1[.contentDisposition] == #"attachment; filename="job-\#(id).log""#)
            #expect(!plain.2.contains("\u{1B}") && plain.2.contains("Item-0300"))

            let (rangeStatus, rangeHeaders, range) = try await client.text("/api/v1/jobs/\(id)/stdout?from=3&to=12")
            #expect(rangeStatus == .ok)
            #expect(rangeHeaders[HTTPField.Name("X-Total-Lines")!] == String(total))
            #expect(rangeHeaders[HTTPField.Name("X-Line-Range")!] == "3-12")
            #expect(lines(range) == Array(all[2..<12]))

            let (tailStatus, tailHeaders, tail) = try await client.text("/api/v1/jobs/\(id)/stdout", headers: [.range: "lines=-5"])
            #expect(tailStatus == .partialContent)
            #expect(tailHeaders[.contentRange] == "lines \(total - 4)-\(total)/\(total)")
            #expect(lines(tail) == Array(all[(total - 5)...]))
            let open = try await client.text("/api/v1/jobs/\(id)/stdout", headers: [.range: "lines=\(total - 1)-"])
            #expect(open.0 == .partialContent && lines(open.2) == Array(all[(total - 2)...]))

            let beyond = try await client.text("/api/v1/jobs/\(id)/stdout?from=\(total + 1)")
            #expect(beyond.0 == .ok && beyond.2.isEmpty)
            #expect(beyond.1[HTTPField.Name("X-Total-Lines")!] == String(total))
            #expect(beyond.1[HTTPField.Name("X-Line-Range")!] == nil)
            let past = try await client.text("/api/v1/jobs/\(id)/stdout?from=\(total - 1)&to=\(total + 50)")
            #expect(past.1[HTTPField.Name("X-Line-Range")!] == "\(total - 1)-\(total)")
            let unsatisfiable = try await client.text("/api/v1/jobs/\(id)/stdout", headers: [.range: "lines=\(total + 1)-"])
            #expect(unsatisfiable.0 == .rangeNotSatisfiable)
            #expect(unsatisfiable.1[.contentRange] == "lines */\(total)")

            let bytes = try await client.text("/api/v1/jobs/\(id)/stdout", headers: [.range: "bytes=0-10"])
            #expect(bytes.0 == .ok && bytes.2 == whole, "a range in bytes is ignored: the whole log")
            for bad in ["lines=abc", "lines=9-2", "lines=-", "lines=1-2,5-6", "lines=0-3"] {
                let answer = try await client.json(.get, "/api/v1/jobs/\(id)/stdout", headers: [.range: bad])
                #expect(answer.status == .badRequest, "\(bad)")
                #expect(answer.json["detail"]?.stringValue?.contains("lines=A-B") == true)
            }
            for bad in ["from=0", "from=5&to=2", "to=x"] {
                #expect(try await client.json(.get, "/api/v1/jobs/\(id)/stdout?\(bad)").status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func playhouseCompactShrinksAnOldJobThatStillReadsTheSame() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        let database = try TestPaths.scratch("compact") + "/playhouse.sqlite"
        try await ServerFixture.with(projects: projects, databasePath: database) { client, _ in
            let id = try await client.launch(Self.launch)
            _ = try await client.waitForEnd(id)
            let log = try await client.text("/api/v1/jobs/\(id)/stdout").2
            let range = try await client.text("/api/v1/jobs/\(id)/stdout?from=100&to=120").2
            let found = try await client.json(.get, "/api/v1/jobs/\(id)/search?q=item-0042").json["lines"]

            let compacted = try PlayhouseProcess.command(["compact", "--older-than", "0", "--keep-events", "5", "--database", database])
            #expect(compacted.status == 0, "\(compacted.output)")
            #expect(compacted.output.contains("compacted 1 jobs"), "\(compacted.output)")

            #expect(try await client.text("/api/v1/jobs/\(id)/stdout").2 == log)
            #expect(try await client.text("/api/v1/jobs/\(id)/stdout?from=100&to=120").2 == range)
            #expect(try await client.json(.get, "/api/v1/jobs/\(id)/search?q=item-0042").json["lines"] == found)
            let events = try await client.json(.get, "/api/v1/jobs/\(id)/events?limit=1000").json
            guard case .array(let kept)? = events["events"] else { throw TestFailure("no events: \(events)") }
            #expect(kept.map { $0["type"]?.stringValue ?? "" }.suffix(2) == ["playhouse_events_dropped", "playbook_on_stats"])
            #expect(kept.count == 7)
            let tasks = try await client.json(.get, "/api/v1/jobs/\(id)/tasks").json
            #expect(tasks["tasks"]?.jsonString().contains(#""items":300"#) == true, "the tasks keep their counts")
        }
    }

    @Test func searchCountsHitsAndPointsAtTheirLines() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        try await ServerFixture.with(projects: projects) { client, _ in
            let id = try await client.launch(Self.launch)
            _ = try await client.waitForEnd(id)
            let whole = lines(try await client.text("/api/v1/jobs/\(id)/stdout?ansi=0").2)

            let found = try await client.json(.get, "/api/v1/jobs/\(id)/search?q=item-0042").json
            #expect(found["lines"]?["total"] == .number(Double(whole.filter { $0.contains("Item-0042") }.count)))
            guard case .array(let hits)? = found["lines"]?["hits"], let first = hits.first, let line = first["line"]?.intValue else {
                throw TestFailure("no hits: \(found)")
            }
            #expect(whole[line - 1].contains("Item-0042"), "the hit's number is its line in the log")
            #expect(first["text"]?.stringValue == String(whole[line - 1]))
            #expect((found["events"]?["total"]?.intValue ?? 0) >= 1, "the item's event is found too")

            let paged = try await client.json(.get, "/api/v1/jobs/\(id)/search?q=ITEM-00&limit=3&after=\(line)").json
            let matching = whole.filter { $0.contains("Item-00") }.count
            #expect(paged["lines"]?["total"] == .number(Double(matching)), "the count covers the whole log, not the page")
            guard case .array(let page)? = paged["lines"]?["hits"] else { throw TestFailure("no page") }
            #expect(page.count == 3)
            #expect(page.allSatisfy { ($0["line"]?.intValue ?? 0) > line })

            let failures = try await client.json(.get, "/api/v1/jobs/\(id)/search?failures=true").json
            guard case .array(let failed)? = failures["lines"]?["hits"], let failure = failed.first?["line"]?.intValue else {
                throw TestFailure("no failure lines: \(failures)")
            }
            #expect(whole[failure - 1].hasPrefix("fatal: [a]: FAILED!"))
            #expect(failures["events"] == .null)

            let none = try await client.json(.get, "/api/v1/jobs/\(id)/search?q=no-such-text").json
            #expect(none["lines"]?["total"] == .number(0))
            for bad in ["", "?q=", "?failures=true&q=x", "?q=\(String(repeating: "x", count: 201))", "?q=x&limit=0"] {
                let answer = try await client.json(.get, "/api/v1/jobs/\(id)/search\(bad)")
                #expect(answer.status == .badRequest, "\(bad)")
            }
        }
    }
}
