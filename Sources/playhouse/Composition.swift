import Foundation
import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseServer
import PlayhouseStore
import PlayhouseWorker
import ServiceLifecycle

/// The one place where a process's services are built from its store, projects, key and
/// engine: `serve`, `worker` and the tests wire Playhouse through it, so they run what
/// ships.
struct Composition: Sendable {
    let store: Store
    let catalog: ProjectCatalog
    let secrets: SecretBox
    let runner: PlaybookRunner
    /// How long a job may go without a heartbeat before it ends "worker lost".
    let lease: Duration
    let logger: Logger

    /// Inventories and git sources of the store, as the engine runs them.
    var sources: StoredSources {
        StoredSources(
            resolver: InventoryResolver(ansible: runner.ansible, runsDirectory: runner.runsDirectory), store: store, secrets: secrets)
    }

    /// A pool of `capacity` job slots under `name`, taking the jobs of `groups` as far as
    /// `capacityForks` holds them, renewing leases four times per lease.
    func workerPool(
        name: String, capacity: Int, groups: [String] = [WorkerGroups.defaultGroup],
        capacityForks: Int = WorkerPoolConfiguration.machineForks, reserveAfter: Duration = .seconds(60),
        drainTimeout: Duration = .zero, shutdownMessage: String = "interrupted: server stopped"
    ) -> WorkerPool {
        WorkerPool(
            store: store, catalog: catalog, secrets: secrets, runner: runner,
            configuration: WorkerPoolConfiguration(
                name: name, capacity: capacity, groups: groups, capacityForks: capacityForks, reserveAfter: reserveAfter,
                heartbeat: lease / 4, drainTimeout: drainTimeout, shutdownMessage: shutdownMessage),
            logger: logger)
    }

    /// What the web server works with; the slow work of Ansible and git runs through the
    /// worker side's code, never in the server's.
    func serverDependencies(
        secureCookies: Bool = false, publicURL: WebOrigin? = nil, jinjaPolicy: JinjaPolicy = .template,
        limits: ResourceLimits = ResourceLimits()
    ) -> ServerDependencies {
        let sources = sources
        return ServerDependencies(
            store: store, catalog: catalog, secrets: secrets, lease: lease, secureCookies: secureCookies, publicURL: publicURL,
            jinjaPolicy: jinjaPolicy, limits: limits, fetchJSON: HTTPJSON.fetcher,
            gitContents: sources.contents
        ) { inventory, launcher, environment, limit in
            try await sources.resolve(inventory, launcher: launcher, environment: environment, limit: limit)
        }
    }

    /// Ends the jobs whose worker stopped renewing their lease.
    var leaseReaper: LeaseReaper { LeaseReaper(store: store, lease: lease, logger: logger) }

    /// Says on queued jobs that no worker of their groups is active.
    var queueWatch: QueueWatch { QueueWatch(store: store, lease: lease, logger: logger) }

    /// Sends the notifications of jobs and approvals, linking to `publicURL`, mailing email
    /// targets through `smtp`.
    func notifier(publicURL: WebOrigin? = nil, smtp: SMTPConfiguration? = nil) -> Notifier {
        Notifier(store: store, logger: logger, publicURL: publicURL, smtp: smtp)
    }
}
