import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// A job's tasks over the API: a row per task with its counts, its results paged on demand.
@Suite struct JobTasksAPITests {
    @Test func aLoopIsOneTaskWithItsItemsReadOnDemand() async throws {
        let projects = try TestPaths.makeProject("p", files: JobOutputAPITests.files)
        try await ServerFixture.with(projects: projects) { client, _ in
            let id = try await client.launch(JobOutputAPITests.launch)
            _ = try await client.waitForEnd(id)
            let listed = try await client.json(.get, "/api/v1/jobs/\(id)/tasks").json
            guard case .array(let tasks)? = listed["tasks"], tasks.count == 2 else { throw TestFailure("two tasks: \(listed)") }
            let count = tasks[0]
            let broken = tasks[1]
            #expect(count["name"] == .string("Count") && broken["name"] == .string("Break"))
            #expect(count["items"] == .number(300))
            #expect(count["failed_items"] == .number(0))
            #expect(count["ok"] == .number(1), "the loop's own result, once per host")
            #expect(broken["ignored"] == .number(1) && broken["failed"] == .number(0))
            #expect(listed["next_after"] == broken["seq"])

            // The task header is about where the task list says.
            let log = try await client.text("/api/v1/jobs/\(id)/stdout?ansi=0").2.split(separator: "\n", omittingEmptySubsequences: false)
            let header = try #require(log.firstIndex { $0.hasPrefix("TASK [Break]") }) + 1
            let line = try #require(broken["line"]?.intValue)
            #expect(abs(line - header) <= 20, "task line \(line), header at \(header)")

            let seq = try #require(count["seq"]?.intValue)
            var seen: [JSONValue] = []
            var after = 0
            while true {
                let page = try await client.json(.get, "/api/v1/jobs/\(id)/tasks/\(seq)/results?limit=120&after=\(after)").json
                guard case .array(let events)? = page["events"], !events.isEmpty else { break }
                seen += events
                after = try #require(page["next_after"]?.intValue)
            }
            #expect(seen.count == 301, "300 items and the loop's result")
            #expect(seen.filter { $0["type"] == .string("runner_item_on_ok") }.count == 300)
            #expect(seen.allSatisfy { $0["task"] == .string("Count") })

            let secondPage = try await client.json(.get, "/api/v1/jobs/\(id)/tasks?after=\(seq)").json
            guard case .array(let rest)? = secondPage["tasks"] else { throw TestFailure("no page: \(secondPage)") }
            #expect(rest.map { $0["name"] } == [.string("Break")])
            #expect(try await client.json(.get, "/api/v1/jobs/\(id)/tasks/99999/results").status == .notFound)
            #expect(try await client.json(.get, "/api/v1/jobs/\(id)/tasks?limit=0").status == .badRequest)
        }
    }
}
