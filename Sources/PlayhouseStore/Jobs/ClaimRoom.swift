public import PlayhouseCore

/// What a worker can take when it claims a job: the groups it belongs to, and its capacity
/// in forks with how much of it its running jobs use.
public struct ClaimRoom: Sendable, Equatable {
    /// A job that names worker groups goes only to a worker of one of them.
    public var groups: [String]
    public var capacityForks: Int
    public var usedForks: Int
    /// Once a job that does not fit has been queued this long, the worker starts no job
    /// behind it until it has (see ``JobRepository/claimNext(worker:room:now:)``).
    public var reserveAfter: Duration

    public init(
        groups: [String] = [WorkerGroups.defaultGroup], capacityForks: Int = Int(Int32.max), usedForks: Int = 0,
        reserveAfter: Duration = .seconds(60)
    ) {
        self.groups = groups
        self.capacityForks = capacityForks
        self.usedForks = usedForks
        self.reserveAfter = reserveAfter
    }

    /// Runs nothing: any job fits, however heavy.
    var isIdle: Bool { usedForks <= 0 }
    var freeForks: Int { capacityForks - usedForks }
}
