import PlayhouseCore
import Testing

@Suite struct JobLifecycleTests {
    @Test func queuedJobsAreClaimedOrCanceled() {
        #expect(JobLifecycle.next(.queued, on: .claimed) == .running)
        #expect(JobLifecycle.next(.queued, on: .cancelRequested) == .canceled)
        #expect(JobLifecycle.next(.queued, on: .finished(.successful)) == nil)
    }

    @Test func runningJobsEndInAFinalStatus() {
        for status in [JobStatus.successful, .failed, .error, .canceled] {
            #expect(JobLifecycle.next(.running, on: .finished(status)) == status)
        }
        #expect(JobLifecycle.next(.running, on: .finished(.queued)) == nil)
        #expect(JobLifecycle.next(.running, on: .interrupted) == .error)
        #expect(JobLifecycle.next(.running, on: .cancelRequested) == .running)
        #expect(JobLifecycle.next(.running, on: .claimed) == nil)
    }

    @Test func finalJobsNeverChange() {
        for status in JobStatus.allCases where status.isFinal {
            for event in [JobLifecycleEvent.claimed, .cancelRequested, .finished(.successful), .interrupted, .slicesAre([.running])] {
                #expect(JobLifecycle.next(status, on: event) == nil, "\(status) must not change on \(event)")
            }
        }
    }

    @Test func aSlicedJobFollowsItsSlices() {
        #expect(JobLifecycle.next(.queued, on: .slicesAre([.queued, .queued])) == .queued)
        #expect(JobLifecycle.next(.queued, on: .slicesAre([.queued, .running])) == .running)
        #expect(JobLifecycle.next(.running, on: .slicesAre([.successful, .queued])) == .running, "a slice still waits")
        #expect(JobLifecycle.next(.running, on: .slicesAre([.successful, .successful])) == .successful)
        #expect(JobLifecycle.next(.running, on: .slicesAre([.canceled, .failed, .successful])) == .failed)
        #expect(JobLifecycle.next(.running, on: .slicesAre([.failed, .error, .canceled])) == .error)
        #expect(JobLifecycle.next(.running, on: .slicesAre([.canceled, .successful])) == .canceled)
    }

    @Test func aSlicedJobsSummaryAddsUpItsSlices() {
        var first = JobSummary()
        first.hosts["a", default: HostCounts()].ok = 2
        first.progress.tasksDone = 2
        first.progress.tasksTotal = 4
        var second = JobSummary()
        second.hosts["b", default: HostCounts()].failed = 1
        second.progress.tasksDone = 1
        second.progress.tasksTotal = 4
        second.progress.currentTask = "deploy"
        let running = JobSummary(slices: [(.successful, first), (.running, second)])
        #expect(running.hosts.keys.sorted() == ["a", "b"])
        #expect(running.progress.tasksDone == 3 && running.progress.tasksTotal == 8 && running.progress.percent == 37)
        #expect(running.progress.currentTask == "deploy")
        let ended = JobSummary(slices: [(.successful, first), (.failed, second)])
        #expect(ended.progress.percent == 100 && ended.progress.currentTask == nil)
    }
}
