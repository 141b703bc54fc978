import Foundation
import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore

/// Keeps the store's record of what this worker's git mirrors hold, for the projects' page:
/// after each run's fetch (``record(_:project:)``), and by fetching a project's mirror
/// without running anything when someone asks for a refresh (``run()``).
///
/// A refresh request wakes it on the store's ``Notifications/Channel/mirrors`` channel
/// (across processes with PostgreSQL); the worker's heartbeat wakes it too, so a request
/// whose wake-up was missed is carried out at the next beat.
struct MirrorSync: Sendable {
    let store: Store
    let secrets: SecretBox
    /// The runner's: the mirrors live beside its run directories.
    let runsDirectory: String
    let worker: String
    let logger: Logger

    /// Carries out the refreshes due, one at a time, until cancelled.
    func run() async {
        let wakeups = store.notifications.subscribe(.mirrors)
        await refreshDue()
        for await _ in wakeups {
            await refreshDue()
        }
    }

    /// Fetches the mirror of every project whose latest refresh request this worker has not
    /// carried out, and records what each holds then (or why the fetch failed).
    func refreshDue() async {
        let due: [(project: String, requestedAt: Date)]
        do {
            due = try await store.mirrors.refreshesDue(worker: worker)
        } catch {
            if !Task.isCancelled { logger.warning("could not read the refreshes asked of git projects: \(error)") }
            return
        }
        for (name, requestedAt) in due where !Task.isCancelled {
            do {
                guard let project = try await store.templates.gitProject(named: name) else { continue }
                let state: MirrorState
                var learned: String? = nil
                do {
                    let source = try await GitSource.of(project, store: store, secrets: secrets)
                    let refreshed = await GitCheckout.refresh(source, runsDirectory: runsDirectory)
                    state = refreshed.state
                    learned = refreshed.learnedHostKeys
                } catch let error as RunnerError {
                    state = MirrorState(branch: project.branch, fetchedAt: Date(), commit: nil, error: error.message)
                }
                if Task.isCancelled { return }
                // Kept as a run's first clone keeps them, so that the next clones refuse a changed key.
                if let learned { try await store.keepLearned(learned, ofGitProject: name, by: "a refresh on worker \(worker)") }
                try await store.mirrors.record(state, project: name, worker: worker, refreshedFor: requestedAt)
                logger.info(
                    "refreshed the mirror of a git project",
                    metadata: ["project": .string(name), "commit": .string(state.commit ?? "-"), "error": .string(state.error ?? "")])
            } catch {
                if !Task.isCancelled { logger.warning("could not refresh git project \(name): \(error)") }
            }
        }
    }

    /// Records what a run's updates say of its project's mirror and requirements cache
    /// entries. A record that cannot be written leaves the page behind, never the run.
    func record(_ batch: [RunUpdate], project: String) async {
        for update in batch {
            do {
                switch update {
                case .mirror(let state):
                    try await store.mirrors.record(state, project: project, worker: worker)
                case .requirements(let entries):
                    try await store.mirrors.record(requirements: entries, project: project, worker: worker)
                case .event, .output, .checkout, .environment, .learnedHostKeys, .summary:
                    continue
                }
            } catch {
                logger.warning("could not record what the mirror of git project \(project) holds: \(error)")
            }
        }
    }
}
