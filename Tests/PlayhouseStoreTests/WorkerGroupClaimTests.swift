import Foundation
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Claims with worker groups and capacity in forks, on both databases.
@Suite struct WorkerGroupClaimTests {
    static func parameters(groups: [String] = [], weight: Int = 5) -> JobParameters {
        var parameters = JobParameters(project: "p", playbook: "site.yml", inventory: "hosts.ini")
        parameters.workerGroups = groups
        parameters.weight = weight
        return parameters
    }

    @Test(arguments: TestBackend.allCases) func aJobGoesOnlyToAWorkerOfOneOfItsGroups(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let dmz = try await store.jobs.insert(Self.parameters(groups: ["dmz"]))
            let anywhere = try await store.jobs.insert(Self.parameters())
            let either = try await store.jobs.insert(Self.parameters(groups: ["dc_1", "dmz"]))
            #expect(dmz.workerGroups == ["dmz"])
            // `_` is no wildcard: a group named like another with one letter changed is another group.
            let lookalike = ClaimRoom(groups: ["dcx1"])
            #expect(try await store.jobs.claimNext(worker: "x", room: lookalike)?.id == anywhere.id)
            #expect(try await store.jobs.claimNext(worker: "x", room: lookalike) == nil)
            #expect(try await store.jobs.claimNext(worker: "d", room: ClaimRoom()) == nil, "a default worker takes neither")
            let inDMZ = ClaimRoom(groups: ["dmz"])
            #expect(try await store.jobs.claimNext(worker: "z", room: inDMZ)?.id == dmz.id)
            #expect(try await store.jobs.claimNext(worker: "c", room: ClaimRoom(groups: ["DC_1", "dc_1"]))?.id == either.id)
        }
    }

    @Test(arguments: TestBackend.allCases) func jobsTakeRoomByTheirWeight(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let heavy = try await store.jobs.insert(Self.parameters(weight: 8))
            let small = try await store.jobs.insert(Self.parameters(weight: 5))
            let tiny = try await store.jobs.insert(Self.parameters(weight: 2))
            func claim(used: Int) async throws -> Int64? {
                try await store.jobs.claimNext(worker: "w", room: ClaimRoom(capacityForks: 10, usedForks: used))?.id
            }
            #expect(try await claim(used: 0) == heavy.id)
            // 2 forks left: the tiny job fills the gap, the small one waits.
            #expect(try await claim(used: 8) == tiny.id)
            #expect(try await claim(used: 10) == nil)
            #expect(try await claim(used: 0) == small.id)
        }
    }

    @Test(arguments: TestBackend.allCases) func aJobHeavierThanTheWorkerRunsAloneOnceItIsIdle(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let huge = try await store.jobs.insert(Self.parameters(weight: 50))
            #expect(try await store.jobs.claimNext(worker: "w", room: ClaimRoom(capacityForks: 10, usedForks: 1)) == nil)
            let claimed = try await store.jobs.claimNext(worker: "w", room: ClaimRoom(capacityForks: 10, usedForks: 0))
            #expect(claimed?.id == huge.id)
            #expect(claimed?.weight == 50)
        }
    }

    @Test(arguments: TestBackend.allCases) func anOverdueJobThatDoesNotFitHoldsBackTheSmallerOnesBehindIt(
        backend: TestBackend
    ) async throws {
        try await TestPaths.withStore(backend) { store in
            let start = Date(timeIntervalSince1970: 1_000_000)
            let big = try await store.jobs.insert(Self.parameters(weight: 8), now: start)
            let first = try await store.jobs.insert(Self.parameters(weight: 2), now: start + 1)
            let second = try await store.jobs.insert(Self.parameters(weight: 2), now: start + 2)
            let urgent = try await store.jobs.insert(
                {
                    var p = Self.parameters(weight: 2)
                    p.priority = 10
                    return p
                }(), now: start + 3)
            func claim(used: Int, at seconds: Double) async throws -> Int64? {
                let room = ClaimRoom(capacityForks: 10, usedForks: used, reserveAfter: .seconds(60))
                return try await store.jobs.claimNext(worker: "w", room: room, now: start + seconds)?.id
            }
            // Young, the big job lets small ones fill the gap (a higher priority first).
            #expect(try await claim(used: 6, at: 10) == urgent.id)
            #expect(try await claim(used: 6, at: 10) == first.id)
            // Overdue, it holds back what comes behind it while it does not fit
            #expect(try await claim(used: 6, at: 120) == nil)
            // and starts once the worker has made room.
            #expect(try await claim(used: 2, at: 121) == big.id)
            #expect(try await claim(used: 0, at: 122) == second.id)
        }
    }

    @Test(arguments: TestBackend.allCases) func claimersOfSeveralGroupsRacingTakeEachJobOnceAndOnlyTheirs(
        backend: TestBackend
    ) async throws {
        try await TestPaths.withStore(backend) { store in
            let groupsByJob = try await withThrowingTaskGroup(of: (Int64, [String]).self) { group in
                for index in 0..<45 {
                    let groups = [["a"], ["b"], []][index % 3]
                    group.addTask { (try await store.jobs.insert(Self.parameters(groups: groups, weight: 1)).id, groups) }
                }
                return try await group.reduce(into: [Int64: [String]]()) { $0[$1.0] = $1.1 }
            }
            let workers = [("a1", ["a"]), ("a2", ["a"]), ("b1", ["b"]), ("b2", ["b", "c"]), ("d1", ["default"]), ("d2", ["default"])]
            let claims = try await withThrowingTaskGroup(of: [(Int64, [String])].self) { group in
                for (name, groups) in workers {
                    group.addTask {
                        var mine: [(Int64, [String])] = []
                        while let job = try await store.jobs.claimNext(worker: name, room: ClaimRoom(groups: groups)) {
                            mine.append((job.id, groups))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [(Int64, [String])]()) { $0 += $1 }
            }
            #expect(claims.count == 45)
            #expect(Set(claims.map(\.0)).count == 45, "no job was claimed twice")
            for (id, workerGroups) in claims {
                let jobGroups = groupsByJob[id] ?? []
                #expect(jobGroups.isEmpty || jobGroups.contains(where: workerGroups.contains), "job \(id) of \(jobGroups)")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func aJobSaysNoWorkerOfItsGroupIsActiveUntilOneIs(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            try await store.workers.register(name: "web", host: "h", capacity: 2, capacityForks: 20)
            let job = try await store.jobs.insert(Self.parameters(groups: ["dmz"]))
            let anywhere = try await store.jobs.insert(Self.parameters(weight: 30))
            try await store.jobs.explainWaits(lease: .seconds(30))
            #expect(try await store.jobs.find(job.id)?.waitingReason == "no worker of group dmz is active")
            #expect(
                try await store.jobs.find(anywhere.id)?.waitingReason
                    == "it weighs 30 forks, more than any worker holds (20): it runs alone on the first one that is idle")
            try await store.workers.register(name: "edge", host: "h", capacity: 1, groups: ["dmz"], capacityForks: 10)
            try await store.jobs.explainWaits(lease: .seconds(30))
            #expect(try await store.jobs.find(job.id)?.waitingReason == nil)
            let workers = try await store.workers.list(lease: .seconds(30))
            #expect(workers.map(\.groups) == [["dmz"], ["default"]])
            #expect(workers.map(\.capacityForks) == [10, 20])
            let claimed = try await store.jobs.claimNext(worker: "web", room: ClaimRoom(capacityForks: 20))
            #expect(claimed?.id == anywhere.id)
            #expect(claimed?.waitingReason == nil, "a claim clears the reason")
            #expect(try await store.workers.list(lease: .seconds(30)).map(\.usedForks) == [0, 30])
        }
    }

    @Test(arguments: TestBackend.allCases) func aProjectKeepsItsWorkerGroups(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            #expect(try await store.workers.groups(ofProject: "p") == [])
            try await store.workers.setGroups(["dmz", "dc"], ofProject: "p")
            try await store.workers.setGroups(["dc"], ofProject: "p")
            #expect(try await store.workers.groups(ofProject: "p") == ["dc"])
            try await store.workers.setGroups([], ofProject: "p")
            #expect(try await store.workers.groups(ofProject: "p") == [])
        }
    }
}
