import Foundation
import PlayhouseCore

/// How a worker pool runs.
public struct WorkerPoolConfiguration: Sendable {
    /// The worker's name in the store and on jobs; unique across the fleet.
    public var name: String
    /// The machine it runs on, for people to read.
    public var host: String
    /// Jobs run at once.
    public var capacity: Int
    /// The worker groups whose jobs it takes (and jobs that name none).
    public var groups: [String]
    /// The forks its jobs may weigh together (``ForkCapacity``); a heavier job runs alone.
    public var capacityForks: Int
    /// How long a job that does not fit may wait before no smaller job behind it starts.
    public var reserveAfter: Duration
    /// How often the pool renews its running jobs' leases.
    public var heartbeat: Duration
    /// On graceful shutdown, how long running jobs may go on before they are stopped.
    public var drainTimeout: Duration
    /// How jobs stopped by a shutdown end.
    public var shutdownMessage: String

    public init(
        name: String, host: String = ProcessInfo.processInfo.hostName, capacity: Int,
        groups: [String] = [WorkerGroups.defaultGroup], capacityForks: Int = Self.machineForks, reserveAfter: Duration = .seconds(60),
        heartbeat: Duration = .seconds(5), drainTimeout: Duration = .zero,
        shutdownMessage: String = "interrupted: server stopped"
    ) {
        self.name = name
        self.host = host
        self.capacity = max(1, capacity)
        self.groups = groups.isEmpty ? [WorkerGroups.defaultGroup] : groups
        self.capacityForks = max(1, capacityForks)
        self.reserveAfter = reserveAfter
        self.heartbeat = heartbeat
        self.drainTimeout = drainTimeout
        self.shutdownMessage = shutdownMessage
    }

    /// The forks this machine runs at once, from its cores and memory.
    public static var machineForks: Int {
        ForkCapacity.machineDefault(
            cores: ProcessInfo.processInfo.activeProcessorCount, memoryBytes: ProcessInfo.processInfo.physicalMemory)
    }
}
