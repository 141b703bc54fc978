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
            for event in [JobLifecycleEvent.claimed, .cancelRequested, .finished(.successful), .interrupted] {
                #expect(JobLifecycle.next(status, on: event) == nil, "\(status) must not change on \(event)")
            }
        }
    }
}
