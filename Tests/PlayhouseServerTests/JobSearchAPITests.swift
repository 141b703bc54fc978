import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// The job list's filters and its search of what ran, over the API, on real runs.
@Suite struct JobSearchAPITests {
    func ids(_ client: some TestClientProtocol, _ query: String) async throws -> [Int] {
        let answer = try await client.json(.get, "/api/v1/jobs?\(query)")
        guard answer.status == .ok, case .array(let jobs)? = answer.json["jobs"] else { throw TestFailure("\(query): \(answer.json)") }
        return jobs.compactMap { $0["id"]?.intValue }
    }

    @Test func filtersAndWordsNarrowTheJobList() async throws {
        let projects = try TestPaths.makeProject("p", files: HostTests.files)
        try await ServerFixture.with(projects: projects) { client, _ in
            let all = try await client.launch(#"{"project":"p","playbook":"flaky.yml","inventory":"hosts.ini"}"#)
            _ = try await client.waitForEnd(all)
            let onlyA = try await client.launch(#"{"project":"p","playbook":"flaky.yml","inventory":"hosts.ini","limit":"a"}"#)
            _ = try await client.waitForEnd(onlyA)

            #expect(try await ids(client, "") == [Int(onlyA), Int(all)])
            #expect(try await ids(client, "host=b") == [Int(all)])
            #expect(try await ids(client, "status=failed") == [Int(all)])
            #expect(try await ids(client, "q=breaks") == [Int(all)], "a failure message")
            #expect(try await ids(client, "q=BREAK") == [Int(onlyA), Int(all)], "a task name (skipped on a), either case")
            #expect(try await ids(client, "q=a") == [Int(onlyA), Int(all)], "a host")
            #expect(try await ids(client, "launched_by=admin&playbook=flaky.yml&project=p").count == 2)
            #expect(try await ids(client, "launched_by=nobody").isEmpty)
            #expect(try await ids(client, "since=2999-01-01").isEmpty)
            #expect(try await ids(client, "until=2999-01-01T00:00:00Z").count == 2)
            #expect(try await ids(client, "limit=1") == [Int(onlyA)])
            for bad in ["since=yesterday", "template=x", "status=done", "q=\(String(repeating: "x", count: 201))"] {
                let answer = try await client.json(.get, "/api/v1/jobs?\(bad)")
                #expect(answer.status == .badRequest, "\(bad)")
            }
        }
    }
}
