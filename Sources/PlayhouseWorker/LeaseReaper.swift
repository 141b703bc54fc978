import Logging
import PlayhouseStore
import ServiceLifecycle

/// Ends jobs whose worker stopped renewing their lease (killed, machine gone) as `error`
/// "worker lost". Every process runs one; the store makes sure a job is ended once.
///
/// A lease counts only time when the database could be reached: no worker can renew one
/// while it is away. So after this process reaches the database again (or first reaches
/// it, having waited for it at its start) it reaps nothing for a lease and a little more,
/// the longest wait between a worker's attempts to reconnect: a worker that is alive has
/// renewed its leases by then, and one that is gone is found one lease later than usual.
public struct LeaseReaper: Service {
    public let store: Store
    /// How long a running job may go without a heartbeat.
    public let lease: Duration
    public let logger: Logger

    public init(store: Store, lease: Duration, logger: Logger) {
        self.store = store
        self.lease = lease
        self.logger = logger
    }

    public func run() async {
        let interval = min(lease / 4, .seconds(5))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard store.databaseStatus.isReachable(forAtLeast: lease + DatabaseStatus.longestRetry) else { continue }
                do {
                    let lost = try await store.jobs.reapLost(lease: lease)
                    if !lost.isEmpty { logger.warning("ended jobs whose worker was lost", metadata: ["jobs": "\(lost)"]) }
                } catch {
                    if !Task.isCancelled, !Store.isUnavailable(error) { logger.warning("could not look for lost workers: \(error)") }
                }
            }
        }
    }
}
