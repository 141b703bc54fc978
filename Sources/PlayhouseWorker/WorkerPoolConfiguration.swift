import Foundation

/// How a worker pool runs.
public struct WorkerPoolConfiguration: Sendable {
    /// The worker's name in the store and on jobs; unique across the fleet.
    public var name: String
    /// The machine it runs on, for people to read.
    public var host: String
    /// Jobs run at once.
    public var capacity: Int
    /// How often the pool renews its running jobs' leases.
    public var heartbeat: Duration
    /// On graceful shutdown, how long running jobs may go on before they are stopped.
    public var drainTimeout: Duration
    /// How jobs stopped by a shutdown end.
    public var shutdownMessage: String

    public init(
        name: String, host: String = ProcessInfo.processInfo.hostName, capacity: Int,
        heartbeat: Duration = .seconds(5), drainTimeout: Duration = .zero,
        shutdownMessage: String = "interrupted: server stopped"
    ) {
        self.name = name
        self.host = host
        self.capacity = max(1, capacity)
        self.heartbeat = heartbeat
        self.drainTimeout = drainTimeout
        self.shutdownMessage = shutdownMessage
    }
}
