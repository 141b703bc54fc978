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
    public var capacity: Int
    public var state: State
    public var startedAt: Date
    public var lastHeartbeat: Date
    public var runningJobs: Int

    public init(
        name: String, host: String, capacity: Int, state: State, startedAt: Date, lastHeartbeat: Date, runningJobs: Int
    ) {
        self.name = name
        self.host = host
        self.capacity = capacity
        self.state = state
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
        self.runningJobs = runningJobs
    }
}
