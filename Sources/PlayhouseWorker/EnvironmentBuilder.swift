import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore

/// Builds the Ansible environments this worker's jobs wait for, in the background, each
/// once, recording each build and its log in the store. A failed build ends the jobs
/// waiting for it `error` with pip's reason; a finished one lets them be claimed again.
final class EnvironmentBuilder: Sendable {
    private let requests: AsyncStream<AnsibleEnvironment>
    private let continuation: AsyncStream<AnsibleEnvironment>.Continuation

    init() {
        (requests, continuation) = AsyncStream.makeStream()
    }

    /// Asks for a build; the caller already marked it `building` in the store.
    func build(_ environment: AnsibleEnvironment) {
        continuation.yield(environment)
    }

    /// Builds what is asked, several at once, until cancelled; a build cut short is marked
    /// interrupted by the worker as it stops.
    func run(store: Store, installs: EnvironmentInstalls, worker: String, logger: Logger) async {
        await withDiscardingTaskGroup { group in
            for await environment in requests {
                group.addTask {
                    await Self.build(environment, store: store, installs: installs, worker: worker, logger: logger)
                }
            }
        }
    }

    private static func build(
        _ environment: AnsibleEnvironment, store: Store, installs: EnvironmentInstalls, worker: String, logger: Logger
    ) async {
        let key = installs.key(of: environment)
        logger.info("building an Ansible environment", metadata: ["environment": .string(environment.label), "key": .string(key)])
        let (status, log, failure): (EnvironmentBuild.Status, String, String?)
        do {
            let printed = try await installs.build(environment)
            (status, log, failure) = (.ready, printed, nil)
        } catch let error as EnvironmentBuildFailed {
            (status, log, failure) = (.failed, error.log, error.reason)
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return }
            (status, log, failure) = (.failed, "", "\(error)")
        }
        do {
            try await store.environments.finishBuild(key: key, worker: worker, status: status, log: log, error: failure)
            if let failure {
                logger.warning(
                    "an Ansible environment could not be built",
                    metadata: ["environment": .string(environment.label), "error": .string(failure)])
                try await store.jobs.abandonWaiting(
                    for: key, message: "could not build its Ansible environment (\(environment.label)): \(failure)")
            }
        } catch {
            logger.error("could not record an environment's build: \(error)")
        }
    }
}
