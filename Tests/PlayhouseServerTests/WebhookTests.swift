import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Synchronization
import Testing

/// Webhooks both ways: a CI system triggering a template with its own token, and job
/// starts and ends posted to receivers (one of them failing at first).
@Suite struct WebhookTests {
    /// What the receiver got, and how many times it still answers 500 first.
    final class Received: Sendable {
        private let state = Mutex<(bodies: [String: [JSONValue]], failures: Int)>(([:], 1))
        func take(_ path: String, _ body: JSONValue) -> Bool {
            state.withLock { state in
                if path == "/flaky", state.failures > 0 {
                    state.failures -= 1
                    return false
                }
                state.bodies[path, default: []].append(body)
                return true
            }
        }
        func bodies(_ path: String) -> [JSONValue] { state.withLock { $0.bodies[path] ?? [] } }
    }

    func withReceiver<T: Sendable>(_ received: Received, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        for path in ["flaky", "slack"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let buffer = try await request.body.collect(upTo: 1 << 20)
                let json = JSONValue.parse(bytes: buffer.readableBytesView) ?? .null
                return Response(status: received.take("/" + path, json) ? .ok : .internalServerError)
            }
        }
        return try await withPeerServer(router, body)
    }

    @Test func jobStartsAndEndsArePostedWithRetriesAndLogged() async throws {
        let received = Received()
        try await withReceiver(received) { port in
            try await ServerFixture.with { client, _ in
                let json = try await client.json(
                    .post, "/api/v1/notifications", body: #"{"name":"ci","url":"http://127.0.0.1:\#(port)/flaky"}"#)
                #expect(json.status == .created, "\(json.json.jsonString())")
                let jsonID = try #require(json.json["id"]?.intValue)
                let slack = try await client.json(
                    .post, "/api/v1/notifications",
                    body: #"{"name":"chat","url":"http://127.0.0.1:\#(port)/slack","events":["failed"],"format":"slack"}"#)
                #expect(slack.status == .created)

                let good = try await client.launch(
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
                _ = try await client.waitForEnd(good)
                let bad = try await client.launch(
                    #"{"project":"demo","playbook":"fail.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
                _ = try await client.waitForEnd(bad)

                let deadline = ContinuousClock.now + .seconds(60)
                while received.bodies("/flaky").count < 4 || received.bodies("/slack").isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let events = Set(
                    received.bodies("/flaky").compactMap { body in
                        body["event"]?.stringValue.map { "\($0) \(body["job"]?["id"]?.intValue ?? 0)" }
                    })
                #expect(events == ["job.started \(good)", "job.succeeded \(good)", "job.started \(bad)", "job.failed \(bad)"], "\(events)")
                let text = try #require(received.bodies("/slack").first?["text"]?.stringValue)
                #expect(text.hasPrefix("Playhouse job #\(bad) demo/fail.yml failed (launched by admin)"), "\(text)")
                #expect(received.bodies("/slack").count == 1, "the chat target wants failures only")

                let log = try await client.json(.get, "/api/v1/notifications/\(jsonID)/deliveries").json
                guard case .array(let deliveries)? = log["deliveries"] else { throw TestFailure("no delivery log") }
                #expect(deliveries.count == 4)
                #expect(deliveries.allSatisfy { $0["status"] == .string("delivered") && $0["response_status"] == .number(200) })
                #expect(
                    deliveries.contains { $0["attempts"] == .number(2) && $0["last_error"] == .null },
                    "the first attempt got a 500 and was retried")
            }
        }
    }

    @Test func aCISystemTriggersATemplateWithItsToken() async throws {
        try await ServerFixture.with { client, store in
            let open = try await client.json(
                .post, "/api/v1/templates",
                body:
                    #"{"name":"ci","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","#
                    + #""limit":"web1","prompts":["extra_vars"]}"#
            )
            let id = try #require(open.json["id"]?.intValue)
            let hook = try await client.json(.post, "/api/v1/templates/\(id)/hook")
            #expect(hook.status == .created)
            let token = try #require(hook.json["token"]?.stringValue)
            #expect(hook.json["url"] == .string("/api/v1/hooks/\(id)"))
            let port = try #require(client.port)

            let wrong = try await RawHTTP.send(
                port: port, "POST", "/api/v1/hooks/\(id)", headers: ["X-Playhouse-Token": "guess"], signedIn: false)
            #expect(wrong.status == 401)
            let triggered = try await RawHTTP.send(
                port: port, "POST", "/api/v1/hooks/\(id)", headers: ["X-Playhouse-Token": token],
                body: #"{"extra_vars":{"commit":"abc123"}}"#, signedIn: false)
            #expect(triggered.status == 202, "\(triggered.body)")
            let jobID = Int64(try #require(JSONValue.parse(triggered.body)?["id"]?.intValue))
            let job = try await client.waitForEnd(jobID)
            #expect(job["status"] == .string("successful"))
            #expect(job["extra_vars"] == .object(["commit": .string("abc123")]))
            #expect(job["launched_by"] == .string("admin"))

            let fixed = try await client.json(
                .post, "/api/v1/templates",
                body: #"{"name":"fixed","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini"}"#)
            let fixedID = try #require(fixed.json["id"]?.intValue)
            let fixedToken = try #require(try await client.json(.post, "/api/v1/templates/\(fixedID)/hook").json["token"]?.stringValue)
            let refused = try await RawHTTP.send(
                port: port, "POST", "/api/v1/hooks/\(fixedID)?token=\(fixedToken)", body: #"{"extra_vars":{"x":1}}"#, signedIn: false)
            #expect(refused.status == 400)
            #expect(refused.body.contains(#"extra_vars is fixed by template \"fixed\""#))
            #expect(try await store.jobs.list().count == 1)

            // A hook made by someone who has since lost the right to launch launches nothing.
            let robot = try await store.users.create(name: "robot", role: .operator, password: "robot-password", cost: 4)
            _ = try await store.users.createGrant(subjectKind: .user, subject: "robot", resourceKind: .project, resource: Grant.any)
            let robotToken = try await store.templates.createHook(for: .template(Int64(id)), createdBy: "robot")
            _ = try await store.users.update(robot.id, role: .viewer, password: nil)
            let demoted = try await RawHTTP.send(
                port: port, "POST", "/api/v1/hooks/\(id)", headers: ["X-Playhouse-Token": robotToken], signedIn: false)
            #expect(demoted.status == 403, "\(demoted.body)")
            #expect(try await store.jobs.list().count == 1)
            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            #expect(audit.contains("hook.refused") && audit.contains("via webhook"))
        }
    }
}
