public import Foundation

/// What one worker's mirror of one git project holds, as the worker recorded it after its
/// last fetch (a run's or a refresh's), with the requirements cache entries the project's
/// last run there used.
public struct MirrorRecord: Sendable, Equatable {
    public var project: String
    /// The worker's name: mirrors live beside each worker's run directories.
    public var worker: String
    public var state: MirrorState
    public var requirements: [CachedRequirements]
    /// Whether a refresh of the project was asked for that this worker has not carried out.
    public var refreshPending: Bool
    /// When the worker wrote this record.
    public var recordedAt: Date

    public init(
        project: String, worker: String, state: MirrorState, requirements: [CachedRequirements], refreshPending: Bool, recordedAt: Date
    ) {
        self.project = project
        self.worker = worker
        self.state = state
        self.requirements = requirements
        self.refreshPending = refreshPending
        self.recordedAt = recordedAt
    }
}
