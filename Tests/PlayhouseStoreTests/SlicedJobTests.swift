import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// A sliced job follows its slices: it starts with the first and ends with the last,
/// however they end and however many end at once.
@Suite struct SlicedJobTests {
    let parameters = JobParameters(project: "demo", playbook: "hello.yml", inventory: "hosts", slices: 3)
    let hostGroups = [["a"], ["b"], ["c"]]

    @Test(arguments: TestBackend.allCases) func aSlicedJobStartsAndEndsWithItsSlices(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let (parent, slices) = try await store.jobs.insertSliced(parameters, hostGroups: hostGroups)
            #expect(slices.map(\.parameters.limit) == ["a", "b", "c"])
            #expect(try await store.jobs.claimNext(worker: "w")?.id == slices[0].id, "a slice, never the sliced job, is claimed")
            #expect(try await store.jobs.find(parent.id)?.status == .running)
            for _ in slices.dropFirst() { _ = try await store.jobs.claimNext(worker: "w") }
            for (index, slice) in slices.enumerated() {
                let outcome = RunOutcome(status: index == 1 ? .failed : .successful)
                #expect(try await store.jobs.finish(slice.id, outcome: outcome, exitCode: index == 1 ? 2 : 0, summary: JobSummary()))
            }
            let ended = try #require(try await store.jobs.find(parent.id))
            #expect(ended.status == .failed)
            #expect(ended.finishedAt != nil)
        }
    }

    @Test(arguments: TestBackend.allCases) func slicesEndingAtOnceEndTheirSlicedJob(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            for _ in 0..<5 {
                let (parent, slices) = try await store.jobs.insertSliced(parameters, hostGroups: hostGroups)
                for _ in slices { _ = try await store.jobs.claimNext(worker: "w") }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for slice in slices {
                        group.addTask {
                            let outcome = RunOutcome(status: .successful)
                            _ = try await store.jobs.finish(slice.id, outcome: outcome, exitCode: 0, summary: JobSummary())
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await store.jobs.find(parent.id)?.status == .successful, "each end read the others' ends")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func cancelingAQueuedSlicedJobEndsIt(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let (parent, slices) = try await store.jobs.insertSliced(parameters, hostGroups: hostGroups)
            let canceled = try await store.jobs.requestCancel(parent.id)
            #expect(canceled?.status == .canceled, "not left queued with nothing to run")
            #expect(try await store.jobs.slices(of: parent.id).map(\.status) == slices.map { _ in .canceled })
            #expect(try await store.jobs.claimNext(worker: "w") == nil)
        }
    }

    @Test(arguments: TestBackend.allCases) func cancelingARunningSlicedJobFlagsItsRunningSlices(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let (parent, slices) = try await store.jobs.insertSliced(parameters, hostGroups: hostGroups)
            _ = try await store.jobs.claimNext(worker: "w")
            let flagged = try await store.jobs.requestCancel(parent.id)
            #expect(flagged?.status == .running)
            let now = try await store.jobs.slices(of: parent.id)
            #expect(now.map(\.status) == [.running, .canceled, .canceled])
            #expect(now[0].cancelRequested)
            _ = try await store.jobs.finish(slices[0].id, outcome: RunOutcome(status: .canceled), exitCode: nil, summary: JobSummary())
            #expect(try await store.jobs.find(parent.id)?.status == .canceled)
        }
    }
}
