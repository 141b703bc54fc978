/// Where a job is in its life: `queued → running → successful | failed | error | canceled`.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case successful
    case failed
    case error
    case canceled

    /// True once the job can no longer change.
    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .successful, .failed, .error, .canceled: true
        }
    }
}

/// Something that happens to a job.
public enum JobLifecycleEvent: Sendable, Equatable {
    /// A worker took the job off the queue.
    case claimed
    /// Someone asked to cancel the job.
    case cancelRequested
    /// The run ended with this outcome (already decided from events and exit code).
    case finished(JobStatus)
    /// The process that ran the job went away (server stopped, worker lost).
    case interrupted
    /// A sliced job's slices are now in these statuses; the sliced job follows them.
    case slicesAre([JobStatus])
    /// Its worker gave the job back to wait in the queue (for its environment's build).
    case requeued
    /// What a queued job waits for failed (its environment's build); it ends `error`.
    case abandoned
}

/// The job state machine: every status change goes through ``JobLifecycle/next(_:on:)``.
public enum JobLifecycle {
    /// The status after `event`, or nil when `event` does not apply to `status`
    /// (the caller leaves the job as it is).
    public static func next(_ status: JobStatus, on event: JobLifecycleEvent) -> JobStatus? {
        switch (status, event) {
        case (.queued, .claimed): .running
        case (.queued, .cancelRequested): .canceled
        case (.running, .cancelRequested): .running
        case (.running, .finished(let outcome)) where outcome.isFinal: outcome
        case (.running, .interrupted): .error
        case (.queued, .interrupted): .queued
        case (.running, .requeued): .queued
        case (.queued, .abandoned): .error
        case (.queued, .slicesAre(let slices)), (.running, .slicesAre(let slices)): slicedStatus(slices)
        default: nil
        }
    }

    /// Running once a slice left the queue; ended once all ended, as the worst of them
    /// (error before failed before canceled before successful).
    private static func slicedStatus(_ slices: [JobStatus]) -> JobStatus {
        if !slices.isEmpty, slices.allSatisfy(\.isFinal) {
            return [JobStatus.error, .failed, .canceled].first { slices.contains($0) } ?? .successful
        }
        return slices.contains { $0 != .queued } ? .running : .queued
    }
}
