import Foundation
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Jobs launched over the API against real SSH test hosts.
@Suite(.serialized) struct SSHJobTests {
    @Test func aStoredInventoryOfSSHHostsRunsTheDemoAndReportsAnUnreachableHost() async throws {
        try await withSSHTestHosts(count: 3) { hosts in
            let inventory = hosts.inventory(extraLines: [try hosts.unreachableHost(name: "gone")])
            try await ServerFixture.with { client, _ in
                let body = JSONValue.object([
                    "name": .string("ssh hosts"), "kind": .string("static"), "content": .string(inventory),
                ]).jsonString()
                let created = try await client.json(.post, "/api/v1/inventories", body: body)
                let inventoryID = try #require(created.json["id"]?.intValue)

                let good = try await client.launch(
                    #"{"project":"demo","playbook":"progress.yml","inventory":"\#(inventoryID)","#
                        + #""limit":"h*","extra_vars":{"pause_seconds":0}}"#
                )
                let all = try await client.launch(
                    #"{"project":"demo","playbook":"progress.yml","inventory":"\#(inventoryID)","extra_vars":{"pause_seconds":0}}"#)

                let succeeded = try await client.waitForEnd(good)
                #expect(succeeded["status"] == .string("successful"), "\(succeeded.jsonString())")
                for host in hosts.hosts {
                    #expect(succeeded["hosts"]?[host.name]?["changed"] == .number(2))
                    #expect(succeeded["hosts"]?[host.name]?["ignored"] == .number(1))
                }
                let failed = try await client.waitForEnd(all)
                #expect(failed["status"] == .string("failed"))
                #expect(failed["hosts"]?["gone"]?["unreachable"] == .number(1))
                #expect(failed["hosts"]?["h1"]?["failed"] == .number(0))
                #expect(failed["hosts"]?["h1"]?["changed"] == .number(2))
                let events = try await client.json(.get, "/api/v1/jobs/\(all)/events?limit=1000").json.jsonString()
                #expect(events.contains(#""host":"gone""#) && events.contains("runner_on_unreachable"))
            }
        }
    }

    @Test func aSlicedRunSplitsTheHostsIntoParallelJobsUnderOneParent() async throws {
        try await withSSHTestHosts(count: 3) { hosts in
            try await ServerFixture.with(workers: 3) { client, store in
                let body = JSONValue.object([
                    "name": .string("fleet"), "kind": .string("static"), "content": .string(hosts.inventory()),
                ]).jsonString()
                let inventoryID = try #require(try await client.json(.post, "/api/v1/inventories", body: body).json["id"]?.intValue)
                let launch = try await client.json(
                    .post, "/api/v1/jobs",
                    body:
                        #"{"project":"demo","playbook":"progress.yml","inventory":"\#(inventoryID)","#
                        + #""slices":3,"extra_vars":{"pause_seconds":1}}"#
                )
                #expect(launch.status == .accepted)
                let parent = try #require(launch.json["id"]?.intValue)
                guard case .array(let ids)? = launch.json["slices"] else { throw TestFailure("no slices: \(launch.json.jsonString())") }
                #expect(ids.count == 3)

                let ended = try await client.waitForEnd(Int64(parent))
                #expect(ended["status"] == .string("successful"), "\(ended.jsonString())")
                #expect(ended["progress"]?["percent"] == .number(100))
                for host in hosts.hosts {
                    #expect(ended["hosts"]?[host.name]?["changed"] == .number(2), "the parent's recap adds up its slices")
                }
                var limits: [String] = []
                for id in ids {
                    let slice = try await client.json(.get, "/api/v1/jobs/\(id.intValue ?? 0)").json
                    #expect(slice["status"] == .string("successful"))
                    #expect(slice["parent_id"] == .number(Double(parent)))
                    limits.append(slice["limit"]?.stringValue ?? "")
                }
                #expect(Set(limits) == Set(hosts.hosts.map(\.name)), "each slice runs one host")
                let slices = try await store.jobs.slices(of: Int64(parent))
                let started = slices.compactMap(\.startedAt)
                let finished = slices.compactMap(\.finishedAt)
                #expect(started.max()! < finished.min()!, "the slices ran at the same time")
            }
        }
    }
}
