import Foundation
import HTTPTypes
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import PlayhouseWorker
import Testing

@testable import playhouse

/// Worker groups over the API: where a job may run (its template's groups, else its
/// inventory's, else its project's, or the one its launch chose), and what it says while
/// no worker of them is active.
@Suite struct WorkerGroupTests {
    static let hello = #""project":"demo","playbook":"hello.yml""#

    static func names(_ names: String...) -> JSONValue { .array(names.map(JSONValue.string)) }

    static func first(_ list: JSONValue?) -> JSONValue? {
        guard case .array(let items)? = list else { return nil }
        return items.first
    }

    @Test func theGroupsComeFromTheTemplateElseTheInventoryElseTheProjectAndALaunchChoosesOne() async throws {
        try await ServerFixture.with(workers: 1) { client, _ in
            func groups(of id: Int64) async throws -> JSONValue? { try await client.json(.get, "/api/v1/jobs/\(id)").json["worker_groups"] }
            let chosen = try await client.json(.put, "/api/v1/projects/demo/worker-groups", body: #"{"worker_groups":["proj"]}"#)
            #expect(chosen.status == .ok)
            #expect(try await client.json(.get, "/api/v1/projects/demo/worker-groups").json["worker_groups"] == Self.names("proj"))
            let ofProject = try await client.launch(#"{\#(Self.hello),"inventory":"inventory/local.ini"}"#)
            let waiting = try await client.json(.get, "/api/v1/jobs/\(ofProject)").json
            #expect(waiting["worker_groups"] == Self.names("proj"))
            #expect(waiting["weight"] == .number(5))
            #expect(waiting["waiting_reason"] == .string("no worker of group proj is active"), "said at once, at launch")

            let inventory = try #require(
                try await client.json(
                    .post, "/api/v1/inventories",
                    body: #"{"name":"edge","content":"localhost ansible_connection=local\n","worker_groups":["inv"]}"#
                )
                .json["id"]?.intValue)
            let ofInventory = try await client.launch(#"{\#(Self.hello),"inventory":"\#(inventory)","forks":12}"#)
            #expect(try await groups(of: ofInventory) == Self.names("inv"))
            #expect(try await client.json(.get, "/api/v1/jobs/\(ofInventory)").json["weight"] == .number(12))

            let template =
                #"{"name":"t","project":"demo","playbook":"hello.yml","inventory":"\#(inventory)","#
                + #""worker_groups":["tpl","tpl2"],"weight":3,"prompts":["worker_group"]}"#
            let templateID = try #require(try await client.json(.post, "/api/v1/templates", body: template).json["id"]?.intValue)
            let launched = try await client.json(.post, "/api/v1/templates/\(templateID)/launch", body: "{}").json
            #expect(launched["worker_groups"] == Self.names("tpl", "tpl2"))
            #expect(launched["weight"] == .number(3), "the template's weight, not the forks")
            let narrowed = try await client.json(.post, "/api/v1/templates/\(templateID)/launch", body: #"{"worker_group":"tpl2"}"#).json
            #expect(narrowed["worker_groups"] == Self.names("tpl2"))
            #expect(narrowed["worker_group"] == .string("tpl2"))
            let refused = try await client.json(.post, "/api/v1/templates/\(templateID)/launch", body: #"{"worker_group":"inv"}"#)
            #expect(refused.status == .badRequest)
            #expect(refused.json["error"] == .string(#"worker group "inv" is not one that template "t" runs on"#))
            #expect(refused.json["detail"] == .string("choose one of tpl, tpl2, or none to run on any of them"))

            // Without a template, a launch chooses among its inventory's groups.
            let direct = try await client.launch(#"{\#(Self.hello),"inventory":"\#(inventory)","worker_group":"inv"}"#)
            #expect(try await groups(of: direct) == Self.names("inv"))
            let outside = try await client.json(
                .post, "/api/v1/jobs", body: #"{\#(Self.hello),"inventory":"\#(inventory)","worker_group":"proj"}"#)
            #expect(outside.status == .badRequest)
            #expect(outside.json["error"] == .string(#"worker group "proj" is not one that inventory "edge" runs on"#))
            let badName = try await client.json(
                .post, "/api/v1/jobs", body: #"{\#(Self.hello),"inventory":"\#(inventory)","worker_group":"a b"}"#)
            #expect(badName.status == .badRequest)

            // The queue lists them, each with why it waits; the worker shows its group and capacity.
            let queue = try await client.json(.get, "/api/v1/queue").json
            guard case .array(let queued)? = queue["jobs"] else { throw TestFailure("no queue: \(queue.jsonString())") }
            #expect(queued.count == 5)
            #expect(
                queued.allSatisfy { $0["waiting_reason"]?.stringValue?.hasPrefix("no worker of group") == true }, "\(queue.jsonString())")
            let worker = Self.first(try await client.json(.get, "/api/v1/workers").json["workers"])
            #expect(worker?["groups"] == Self.names("default"))
            #expect((worker?["capacity_forks"]?.intValue ?? 0) >= 8)
            #expect(worker?["used_forks"] == .number(0))
            #expect(try await client.json(.put, "/api/v1/projects/demo/worker-groups", body: #"{"worker_groups":[]}"#).status == .ok)
            #expect(
                try await client.json(.put, "/api/v1/projects/nowhere/worker-groups", body: #"{"worker_groups":[]}"#).status == .notFound)
        }
    }

    @Test func aJobWaitsForAWorkerOfItsGroupThenRunsWhenOneStarts() async throws {
        try await ServerFixture.with(workers: 1) { client, store in
            let id = try await client.launch(#"{\#(Self.hello),"inventory":"inventory/local.ini","worker_group":"edge"}"#)
            let waiting = try await client.json(.get, "/api/v1/jobs/\(id)").json
            #expect(waiting["status"] == .string("queued"))
            #expect(waiting["waiting_reason"] == .string("no worker of group edge is active"))
            let listed = Self.first(try await client.json(.get, "/api/v1/jobs").json["jobs"])
            #expect(listed?["waiting_reason"] == .string("no worker of group edge is active"), "shown in the list too")

            var logger = Logger(label: "edge")
            logger.logLevel = .warning
            let edge = try Composition.forTests(store: store, logger: logger).workerPool(name: "edge-worker", capacity: 1, groups: ["edge"])
            let ended = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
                group.addTask {
                    try await edge.run()
                    return nil
                }
                group.addTask { try await client.waitForEnd(id) }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw TestFailure("the edge worker stopped")
            }
            #expect(ended["status"] == .string("successful"))
            #expect(ended["worker"] == .string("edge-worker"))
            #expect(ended["waiting_reason"] == .null)
        }
    }
}
