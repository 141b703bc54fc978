import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// `playhouse serve --log-format json`: every line of its log is one JSON object, and the
/// lines of a request carry the request's id, which every answer names in `X-Request-ID`.
@Suite struct LogFormatTests {
    @Test func jsonLinesCarryTheRequestIDThatEveryAnswerNames() async throws {
        let scratch = try TestPaths.scratch("log-format")
        let projects = try TestPaths.makeProject(
            "p", files: ["hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n"])
        let port = try Loopback.freePort()
        let log = scratch + "/serve.log"
        let server = try PlayhouseProcess.serve(
            port: port, database: scratch + "/playhouse.sqlite", projects: projects, runs: scratch + "/runs", log: log,
            extra: ["--workers", "1", "--log-format", "json", "--log-level", "debug"])
        try await server.waitUntilReady()

        let kept = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs", headers: ["X-Request-ID": "deploy-42.a"])
        #expect(kept.status == 200 && kept.header("X-Request-ID") == "deploy-42.a", "a proxy's id is kept")
        let refused = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/999999", headers: ["X-Request-ID": "has spaces"])
        let made = try #require(refused.header("X-Request-ID"))
        #expect(refused.status == 404 && made != "has spaces" && !made.isEmpty, "an id that is not printable ASCII is replaced")
        let secret = "phk_never-in-a-log"
        _ = try await RawHTTP.send(port: port, "POST", "/api/v1/hooks/1?token=\(secret)", signedIn: false)
        await server.stop()

        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let objects = lines.map { JSONValue.parse(String($0)) }
        #expect(!lines.isEmpty && objects.allSatisfy { $0 != nil }, "every line is one JSON object: \(lines.prefix(3))")
        let entries = objects.compactMap { $0 }
        #expect(entries.allSatisfy { $0["time"]?.stringValue != nil && $0["level"] != nil && $0["message"] != nil })
        let answered = entries.first { $0["request_id"] == .string("deploy-42.a") }
        #expect(answered?["path"] == .string("/api/v1/jobs") && answered?["status"] == .string("200"), "\(entries.suffix(5))")
        #expect(entries.contains { $0["request_id"] == .string(made) && $0["status"] == .string("404") })
        #expect(!lines.contains { $0.contains(secret) }, "a hook's token in the query is never logged")
    }
}
