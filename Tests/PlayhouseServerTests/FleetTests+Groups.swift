import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// Worker groups and capacity in forks on a fleet: `playhouse worker` processes with
/// `--group` and `--capacity-forks` over real PostgreSQL. One of ``FleetTests``, whose fleets
/// run one at a time.
extension FleetTests {
    @Test func jobsGoToTheirGroupWaitForOneAndABigJobWaitsForRoomWhileSmallOnesRun() async throws {
        try await withFleet(workers: 0) { fleet in
            fleet.workers["dmz"] = try fleet.startWorker("dmz", capacity: 2, extra: ["--group", "dmz", "--capacity-forks", "10"])
            fleet.workers["dc"] = try fleet.startWorker(
                "dc", capacity: 3, extra: ["--group", "dc", "--capacity-forks", "10", "--reserve-room-after", "600"])

            // Routing: each job runs on a worker of the group it chose.
            let toDMZ = try await fleet.launch("hello.yml", fields: #""worker_group":"dmz""#)
            let toDC = try await fleet.launch("hello.yml", fields: #""worker_group":"dc""#)
            #expect(try await fleet.waitForEnd(toDMZ)["worker"] == .string("dmz"))
            #expect(try await fleet.waitForEnd(toDC)["worker"] == .string("dc"))

            // No worker of its group: it says so, and runs once one starts.
            let toLab = try await fleet.launch("hello.yml", fields: #""worker_group":"lab""#)
            let waiting = try await fleet.job(toLab)
            #expect(waiting["status"] == .string("queued"))
            #expect(waiting["waiting_reason"] == .string("no worker of group lab is active"))
            fleet.workers["lab"] = try fleet.startWorker("lab", extra: ["--group", "lab"])
            let ran = try await fleet.waitForEnd(toLab)
            #expect(ran["status"] == .string("successful"))
            #expect(ran["worker"] == .string("lab"))
            #expect(ran["waiting_reason"] == .null)

            // Capacity: 4 forks run on dc; 8 more do not fit in its 10, so the big job waits
            // while a 2-fork job fills the gap (long before dc reserves room for the big one);
            // it starts once the first one ends.
            let first = try await fleet.launch("sleep.yml", seconds: 104, fields: #""worker_group":"dc","forks":4"#)
            _ = try await fleet.waitFor(first) { $0["status"] == .string("running") }
            let big = try await fleet.launch("hello.yml", fields: #""worker_group":"dc","forks":8"#)
            let filler = try await fleet.launch("sleep.yml", seconds: 105, fields: #""worker_group":"dc","forks":2"#)
            _ = try await fleet.waitFor(filler) { $0["status"] == .string("running") }
            #expect(try await fleet.job(big)["status"] == .string("queued"), "8 forks do not fit beside 6")
            let queue = try await RawHTTP.request(port: fleet.port, "GET", "/api/v1/queue").json
            #expect(
                queue["jobs"].map { "\($0.jsonString())" }?.contains("waiting for room: it weighs 8 forks and the workers of group dc")
                    == true,
                "\(queue.jsonString())")
            let workers = try await RawHTTP.request(port: fleet.port, "GET", "/api/v1/workers").json.jsonString()
            #expect(workers.contains(#""used_forks":6"#), "\(workers)")
            #expect(try await RawHTTP.request(port: fleet.port, "POST", "/api/v1/jobs/\(first)/cancel").status == 202)
            let bigEnded = try await fleet.waitForEnd(big)
            #expect(bigEnded["status"] == .string("successful"))
            #expect(bigEnded["worker"] == .string("dc"))
            #expect(try await RawHTTP.request(port: fleet.port, "POST", "/api/v1/jobs/\(filler)/cancel").status == 202)

            // Heavier than a whole worker: it runs there alone, and its log says so.
            let huge = try await fleet.launch("hello.yml", fields: #""worker_group":"dmz","forks":40"#)
            #expect(try await fleet.waitForEnd(huge)["status"] == .string("successful"))
            let log = try await RawHTTP.send(port: fleet.port, "GET", "/api/v1/jobs/\(huge)/stdout").body
            #expect(log.contains("this job weighs 40 forks, more than worker dmz holds (10): it runs alone there"), "\(log)")
            _ = try await fleet.waitForEnd(filler, timeout: .seconds(30))
        }
    }
}
