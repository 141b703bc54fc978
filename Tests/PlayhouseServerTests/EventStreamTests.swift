import Foundation
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@Suite struct EventStreamTests {
    static let projectFiles = [
        "steps.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - { name: one, ansible.builtin.debug: { msg: one } }
            - { name: wait, ansible.builtin.command: sleep 2 }
            - { name: two, ansible.builtin.debug: { msg: two } }
            - { name: three, ansible.builtin.debug: { msg: three } }
        """,
        "hosts.ini": TestPaths.localInventory(["a", "b", "c"]),
    ]
    static let launch = #"{"project":"p","playbook":"steps.yml","inventory":"hosts.ini"}"#

    /// The ids of event messages, and the final job of the `end` message.
    func split(_ body: String) -> (ids: [Int], end: JSONValue?) {
        let messages = SSEMessage.parse(body)
        let ids = messages.filter { $0.event != "end" && $0.event != "output" }.compactMap(\.id)
        return (ids, messages.last { $0.event == "end" }.flatMap { JSONValue.parse($0.data) })
    }

    /// Each `summary` message of a stream, and the job's stored events folded up to the last
    /// event message before it (from `after`, the events the stream did not send).
    func summaries(_ body: String, events: [JobEvent], after: Int = 0) -> [(sent: JSONValue?, folded: JobSummary)] {
        var folded = JobSummary()
        var through = 0
        var result: [(JSONValue?, JobSummary)] = []
        let fold = { (seq: Int) in
            while through < seq {
                folded.apply(events[through])
                through += 1
            }
        }
        fold(after)
        for message in SSEMessage.parse(body) {
            if let seq = message.id { fold(seq) }
            if message.event == "summary" { result.append((JSONValue.parse(message.data), folded)) }
        }
        return result
    }

    func json(_ value: some Encodable) throws -> JSONValue? {
        JSONValue.parse(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))
    }

    @Test func eachSummaryFrameCarriesTheCountsOfTheEventsSentBeforeIt() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.projectFiles)
        try await ServerFixture.with(projects: projects) { client, store in
            let id = try await client.launch(Self.launch)
            let (_, _, body) = try await client.stream("/api/v1/jobs/\(id)/stream")
            let events = try await store.events.list(of: id, after: 0, limit: 5000)
            let summaries = summaries(body, events: events)
            #expect(SSEMessage.parse(body).allSatisfy { $0.event != "summary" || $0.id == nil }, "a summary has no seq of its own")
            for (sent, folded) in summaries {
                #expect(sent?["hosts"] == (try json(folded.hosts)), "\(sent?.jsonString() ?? "nil")")
                // The stream may read the job once it ended: then its progress is complete.
                if sent?["progress"]?["percent"] != .number(100) {
                    #expect(sent?["progress"] == (try json(folded.progress)), "\(sent?.jsonString() ?? "nil")")
                }
            }
            // Which summaries a live stream sends depends on how its batches fall, which a busy
            // machine changes; that each one is the fold of the events before it does not.
            // The last summary has the run's counts, as the final job has them.
            let last = try #require(summaries.last?.sent)
            let end = try #require(split(body).end)
            #expect(last["hosts"] == end["hosts"])
            for host in ["a", "b", "c"] {
                #expect(last["hosts"]?[host]?["ok"] == .number(4), "\(last.jsonString())")
                #expect(last["hosts"]?[host]?["changed"] == .number(1), "\(last.jsonString())")
                #expect(last["hosts"]?[host]?["failed"] == .number(0), "\(last.jsonString())")
            }
            #expect(last["progress"]?["tasks_done"] == .number(4))
            #expect(last["progress"]?["tasks_total"] == .number(4))
        }
    }

    @Test func aLiveStreamDeliversEveryEventOnceThenTheEnd() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.projectFiles)
        try await ServerFixture.with(projects: projects) { client, _ in
            let id = try await client.launch(Self.launch)
            let (status, contentType, body) = try await client.stream("/api/v1/jobs/\(id)/stream")
            #expect(status == 200)
            #expect(contentType.hasPrefix("text/event-stream"))
            let (ids, end) = split(body)
            let stored = try await client.json(.get, "/api/v1/jobs/\(id)/events?limit=5000").json
            guard case .array(let events)? = stored["events"] else { throw TestFailure("no events") }
            #expect(ids == Array(1...events.count), "every seq once, in order")
            #expect(end?["status"] == .string("successful"))
            #expect(end?["id"] == .number(Double(id)))
            #expect(body.contains(": heartbeat"), "an idle stream sends comments")
            let first = SSEMessage.parse(body).first { $0.id == 1 }
            #expect(first?.event == "playbook_on_start")
            #expect(JSONValue.parse(first?.data ?? "")?["seq"] == .number(1))
        }
    }

    @Test func resumingWithLastEventIDHasNoGapAndNoDuplicate() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.projectFiles)
        try await ServerFixture.with(projects: projects) { client, store in
            let id = try await client.launch(Self.launch)
            // Join while the job runs, as a browser that lost its connection would.
            let deadline = ContinuousClock.now + .seconds(60)
            while try await store.events.list(of: id, after: 0, limit: 1000).count < 6, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let (_, _, body) = try await client.stream("/api/v1/jobs/\(id)/stream", lastEventID: "5")
            let (ids, end) = split(body)
            let events = try await store.events.list(of: id, after: 0, limit: 5000)
            let total = events.count
            #expect(ids == Array(6...total))
            #expect(end?["status"] == .string("successful"))
            // The summary counts the events the stream did not send too.
            let first = try #require(summaries(body, events: events, after: 5).first)
            #expect(first.sent?["hosts"] == (try json(first.folded.hosts)), "\(first.sent?.jsonString() ?? "nil")")

            let (_, _, again) = try await client.stream("/api/v1/jobs/\(id)/stream?after=\(total - 2)")
            #expect(split(again).ids == [total - 1, total])
            let (_, _, caughtUp) = try await client.stream("/api/v1/jobs/\(id)/stream", lastEventID: "\(total)")
            let finished = split(caughtUp)
            #expect(finished.ids.isEmpty)
            #expect(finished.end?["status"] == .string("successful"))
        }
    }

    /// The `output` frames of a stream body: each one's lines (1-based, inclusive), text and id.
    func outputFrames(_ body: String) -> [(from: Int, to: Int, text: String, cursor: String)] {
        SSEMessage.parse(body).filter { $0.event == "output" }.compactMap { message in
            guard let data = JSONValue.parse(message.data), let from = data["from"]?.intValue, let to = data["to"]?.intValue,
                let text = data["text"]?.stringValue, let cursor = message.cursor
            else { return nil }
            return (from, to, text, cursor)
        }
    }

    @Test func outputFramesCarryTheLogLiveBesideTheEventsAndResumeByLine() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.projectFiles)
        try await ServerFixture.with(projects: projects) { client, store in
            let id = try await client.launch(Self.launch)
            // Followed from the start while it runs, as the job page does.
            let (_, _, body) = try await client.stream("/api/v1/jobs/\(id)/stream?output=true")
            let log = try await client.text("/api/v1/jobs/\(id)/stdout").2
            let frames = outputFrames(body)
            #expect(frames.map(\.text).joined() == log, "the frames hold the whole log, each line once")
            #expect(frames.count >= 2, "the log came in pieces while the job ran")
            var next = 1
            for frame in frames {
                #expect(frame.from == next && frame.to >= frame.from, "lines follow on: \(frame.from)-\(frame.to)")
                next = frame.to + 1
            }
            let messages = SSEMessage.parse(body)
            #expect(messages.filter { $0.event != "summary" && $0.event != "end" }.allSatisfy { $0.cursor?.contains(",") == true })
            #expect(split(body).ids == Array(1...(try await store.events.list(of: id, after: 0, limit: 5000).count)))

            // Resumed from the middle: the rest of each, nothing twice.
            // Never the last frame, so something is left to resume.
            let middle = frames[(frames.count - 1) / 2]
            let (_, _, resumed) = try await client.stream("/api/v1/jobs/\(id)/stream?output=true", lastEventID: middle.cursor)
            let rest = outputFrames(resumed)
            #expect(rest.first?.from == middle.to + 1)
            #expect(frames.prefix { $0.to <= middle.to }.map(\.text).joined() + rest.map(\.text).joined() == log)
            let seq = Int(middle.cursor.split(separator: ",")[0]) ?? 0
            #expect(split(resumed).ids.first.map { $0 == seq + 1 } ?? true)

            // The log alone, from a line: no event frames, the same end.
            let (_, _, alone) = try await client.stream("/api/v1/jobs/\(id)/stream?output=true&events=false&after_line=3")
            let lines = log.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(outputFrames(alone).map(\.text).joined() == lines.dropFirst(3).map { $0 + "\n" }.joined())
            #expect(SSEMessage.parse(alone).allSatisfy { ["output", "summary", "end"].contains($0.event) })
            #expect(split(alone).end?["status"] == .string("successful"))

            let bad = try await client.json(.get, "/api/v1/jobs/\(id)/stream?output=yes")
            #expect(bad.status == .badRequest)
        }
    }

    /// A client that keeps its connection alive (curl, a CLI following a job) hears the
    /// answer end after `end`, and does not wait for more.
    @Test func aStreamEndsItsAnswerOnAKeptAliveConnection() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.projectFiles)
        try await ServerFixture.with(projects: projects) { client, _ in
            guard let port = client.port, case let authorized as AuthorizedClient = client else { throw TestFailure("no live server") }
            let id = try await client.launch(Self.launch)
            _ = try await client.waitForEnd(id)
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments = [
                "-sN", "--max-time", "60", "-o", "/dev/null", "-H", "Authorization: Bearer \(authorized.token)",
                "http://127.0.0.1:\(port)/api/v1/jobs/\(id)/stream",
            ]
            try curl.run()
            curl.waitUntilExit()
            #expect(curl.terminationStatus == 0, "curl exit \(curl.terminationStatus) (28: it waited for an end that never came)")
        }
    }

    @Test func aStreamOfAnUnknownJobIsNotFound() async throws {
        try await ServerFixture.with { client, _ in
            let response = try await client.json(.get, "/api/v1/jobs/77/stream")
            #expect(response.status == .notFound)
            #expect(response.json["error"] == .string("job 77 not found"))
        }
    }
}
