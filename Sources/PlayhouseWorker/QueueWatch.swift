import Logging
import PlayhouseStore
import ServiceLifecycle

/// Keeps on each queued job why it waits while that lasts until the fleet changes: no
/// worker of its groups is active, or every one is too small for it
/// (``JobRepository/explainWaits(lease:only:now:)``). The web process runs one: workers
/// come and go without telling it, so it looks every few seconds.
public struct QueueWatch: Service {
    public let store: Store
    /// How long a worker may go without a heartbeat before it no longer counts.
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
                do {
                    try await store.jobs.explainWaits(lease: lease)
                } catch {
                    if !Task.isCancelled, !Store.isUnavailable(error) { logger.warning("could not say why queued jobs wait: \(error)") }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
