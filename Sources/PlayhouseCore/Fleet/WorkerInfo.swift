public import Foundation

/// A process that runs jobs, as the store last heard of it.
public struct WorkerInfo: Sendable, Equatable {
    /// What a worker is doing.
    public enum State: String, Sendable, Codable {
        /// Claiming and running jobs.
        case active
        /// Finishing its running jobs before it stops; claims nothing new.
        case draining
        /// Stopped cleanly.
        case stopped
        /// Its heartbeats stopped: killed, or its machine is gone.
        case lost
    }

    public var name: String
    public var host: String
    /// Jobs it runs at once (its slots).
    public var capacity: Int
    public var state: State
    public var startedAt: Date
    public var lastHeartbeat: Date
    public var runningJobs: Int
    /// The worker groups it takes jobs of (``WorkerGroups``).
    public var groups: [String]
    /// The forks it runs at once (``ForkCapacity``).
    public var capacityForks: Int
    /// The forks its running jobs weigh.
    public var usedForks: Int

    public init(
        name: String, host: String, capacity: Int, state: State, startedAt: Date, lastHeartbeat: Date, runningJobs: Int,
        groups: [String] = [WorkerGroups.defaultGroup], capacityForks: Int = 0, usedForks: Int = 0
    ) {
        self.name = name
        self.host = host
        self.capacity = capacity
        self.state = state
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
        self.runningJobs = runningJobs
        self.groups = groups
        self.capacityForks = capacityForks
        self.usedForks = usedForks
    }

    /// Whether it takes a job that may run on `jobGroups` (none: any worker).
    public func serves(_ jobGroups: [String]) -> Bool {
        jobGroups.isEmpty || groups.contains(where: jobGroups.contains)
    }
}
