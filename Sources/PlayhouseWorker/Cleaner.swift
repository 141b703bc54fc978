public import Foundation
import Logging
public import PlayhouseStore
import ServiceLifecycle

/// Runs a cleanup once a day, the first `firstRun` after the start: what `policy` says is
/// past its retention goes (`playhouse cleanup` does the same by hand). Several servers
/// may run one; a row is deleted once whoever gets there first.
public struct Cleaner: Service {
    public let store: Store
    /// Retention, worked out again from the clock at each run.
    public let policy: @Sendable (Date) -> CleanupPolicy
    public let logger: Logger
    /// A minute by default: a server starting is busy enough.
    public let firstRun: Duration

    public init(store: Store, policy: @escaping @Sendable (Date) -> CleanupPolicy, logger: Logger, firstRun: Duration = .seconds(60)) {
        self.store = store
        self.policy = policy
        self.logger = logger
        self.firstRun = firstRun
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            var wait = firstRun
            while !Task.isCancelled {
                try? await Task.sleep(for: wait)
                wait = .seconds(24 * 3600)
                do {
                    let report = try await store.cleanup(policy(Date()))
                    logger.info(
                        "cleaned up",
                        metadata: ["jobs": "\(report.jobs)", "workflow_jobs": "\(report.workflowJobs)", "audit": "\(report.auditEntries)"])
                } catch {
                    if !Task.isCancelled { logger.error("could not clean up: \(error)") }
                }
            }
        }
    }
}
