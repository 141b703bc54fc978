public import Foundation

/// A launch of a playbook and everything known about it so far.
public struct Job: Sendable, Equatable {
    public var id: Int64
    public var status: JobStatus
    public var parameters: JobParameters
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int?
    public var error: String?
    public var summary: JobSummary
    /// True once someone asked to cancel a running job; the worker running it stops it.
    public var cancelRequested: Bool
    /// The name of the worker that ran the job.
    public var worker: String?
    /// The sliced job this one is a slice of.
    public var parentID: Int64?
    /// How many slices this job was split into; 0 for a job that runs itself.
    public var sliceCount: Int
    /// How many events are stored: the seq of the newest one.
    public var lastSeq: Int
    /// For a git project: the commit the job ran.
    public var commit: String?
    /// How many lines of its log are stored.
    public var outputLines: Int
    /// The Ansible environment the job runs with and where it was chosen; nil for
    /// Playhouse's own.
    public var environment: String?
    /// Why a queued job waits (its environment is being built, no worker of its groups is
    /// active); nil when it does not.
    public var waitingReason: String?
    /// The worker groups it may run on; none: any.
    public var workerGroups: [String]
    /// The forks it takes of its worker's capacity.
    public var weight: Int

    public init(
        id: Int64, status: JobStatus, parameters: JobParameters, createdAt: Date,
        startedAt: Date? = nil, finishedAt: Date? = nil, exitCode: Int? = nil, error: String? = nil,
        summary: JobSummary = JobSummary(), cancelRequested: Bool = false, worker: String? = nil,
        parentID: Int64? = nil, sliceCount: Int = 0, lastSeq: Int = 0, commit: String? = nil,
        outputLines: Int = 0, environment: String? = nil, waitingReason: String? = nil, workerGroups: [String] = [],
        weight: Int = ForkCapacity.ansibleDefaultForks
    ) {
        self.id = id
        self.status = status
        self.parameters = parameters
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.error = error
        self.summary = summary
        self.cancelRequested = cancelRequested
        self.worker = worker
        self.parentID = parentID
        self.sliceCount = sliceCount
        self.lastSeq = lastSeq
        self.commit = commit
        self.outputLines = outputLines
        self.environment = environment
        self.waitingReason = waitingReason
        self.workerGroups = workerGroups
        self.weight = weight
    }
}
