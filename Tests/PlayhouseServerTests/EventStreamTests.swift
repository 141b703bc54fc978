import Foundation
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
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
        let ids = messages.filter { $0.event != "end" }.compactMap(\.id)
        return (ids, messages.last { $0.event == "end" }.flatMap { JSONValue.parse($0.data) })
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
            while try await store.events(of: id, after: 0, limit: 1000).count < 6, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let (_, _, body) = try await client.stream("/api/v1/jobs/\(id)/stream", lastEventID: 5)
            let (ids, end) = split(body)
            let total = try await store.events(of: id, after: 0, limit: 5000).count
            #expect(ids == Array(6...total))
            #expect(end?["status"] == .string("successful"))

            let (_, _, again) = try await client.stream("/api/v1/jobs/\(id)/stream?after=\(total - 2)")
            #expect(split(again).ids == [total - 1, total])
            let (_, _, caughtUp) = try await client.stream("/api/v1/jobs/\(id)/stream", lastEventID: total)
            let finished = split(caughtUp)
            #expect(finished.ids.isEmpty)
            #expect(finished.end?["status"] == .string("successful"))
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
