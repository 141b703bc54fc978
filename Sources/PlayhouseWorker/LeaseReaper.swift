import Logging
import PlayhouseStore
import ServiceLifecycle

/// Ends jobs whose worker stopped renewing their lease (killed, machine gone) as `error`
/// "worker lost". Every process runs one; the store makes sure a job is ended once.
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
                do {
                    let lost = try await store.jobs.reapLost(lease: lease)
                    if !lost.isEmpty { logger.warning("ended jobs whose worker was lost", metadata: ["jobs": "\(lost)"]) }
                } catch {
                    if !Task.isCancelled { logger.warning("could not look for lost workers: \(error)") }
                }
            }
        }
    }
}
