import Foundation
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
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
                    #"{"project":"demo","playbook":"progress.yml","inventory":"\#(inventoryID)","limit":"h*","extra_vars":{"pause_seconds":0}}"#)
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
}
