import Foundation
import PlayhouseCore
import Testing

@Suite struct QueueWaitTests {
    static func worker(
        _ name: String, groups: [String] = ["default"], slots: Int = 2, running: Int = 0, forks: Int = 20, used: Int = 0,
        state: WorkerInfo.State = .active
    ) -> WorkerInfo {
        WorkerInfo(
            name: name, host: "h", capacity: slots, state: state, startedAt: Date(), lastHeartbeat: Date(), runningJobs: running,
            groups: groups, capacityForks: forks, usedForks: used)
    }

    @Test func saysWhyAJobWaitsFromTheWorkersOfItsGroups() {
        let fleet = [
            Self.worker("web"), Self.worker("edge", groups: ["dmz"], slots: 1, running: 1, forks: 10, used: 5),
            Self.worker("old", groups: ["dc"], state: .lost),
        ]
        #expect(QueueWait.of(groups: ["dc"], weight: 5, workers: fleet)?.message == "no worker of group dc is active")
        #expect(QueueWait.of(groups: ["dc", "lab"], weight: 5, workers: fleet)?.message == "no worker of group dc or lab is active")
        #expect(QueueWait.of(groups: ["dmz"], weight: 5, workers: fleet)?.kind == .noSlot)
        #expect(QueueWait.of(groups: ["dmz"], weight: 11, workers: fleet)?.kind == .tooHeavy)
        #expect(QueueWait.of(groups: [], weight: 5, workers: fleet) == nil, "the web process's worker has room")
        let busy = [Self.worker("web", running: 1, used: 18)]
        #expect(
            QueueWait.of(groups: [], weight: 5, workers: busy)?.message
                == "waiting for room: it weighs 5 forks and the workers have at most 2 free")
        #expect(QueueWait.of(groups: [], weight: 5, workers: [])?.message == "no worker is active")
        #expect(QueueWait.of(groups: ["dc"], weight: 5, workers: [])?.isLasting == true)
        #expect(QueueWait.of(groups: [], weight: 5, workers: busy)?.isLasting == false)
    }

    @Test func capacityAndWeightAreCountedInForksAsAWXCountsThem() {
        // 2 cores and 1 GB: the CPU's 8 forks; 4 cores and 24 GB: memory's (24576 - 2048) / 100.
        #expect(ForkCapacity.machineDefault(cores: 2, memoryBytes: 1 << 30) == 8)
        #expect(ForkCapacity.machineDefault(cores: 4, memoryBytes: 24 << 30) == 225)
        #expect(ForkCapacity.weight(forks: nil, templateWeight: nil) == 5)
        #expect(ForkCapacity.weight(forks: 20, templateWeight: nil) == 20)
        #expect(ForkCapacity.weight(forks: 20, templateWeight: 3) == 3)
    }

    @Test func groupNamesAreLikeTeamNames() throws {
        #expect(try WorkerGroups.validate(["dmz", "dc-1", "dmz"], field: "worker_groups") == ["dmz", "dc-1"])
        #expect(throws: ValidationError.self) { try WorkerGroups.validate(["a,b"], field: "worker_groups") }
        #expect(WorkerGroups.names(stored: WorkerGroups.stored(["a", "b"])) == ["a", "b"])
        #expect(WorkerGroups.stored([]) == "")
    }
}
