import ArgumentParser
import Foundation
import Logging
import PlayhouseEngine
import PlayhouseStore
import PlayhouseWorker
import ServiceLifecycle
import UnixSignals

/// `playhouse worker`: runs jobs from a shared PostgreSQL database, without a web server.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run queued jobs from a shared PostgreSQL database.",
        discussion: """
            SIGTERM (or a first Ctrl-C) drains: no new jobs are claimed, running ones get --drain-timeout \
            to finish and are then stopped. A second Ctrl-C stops everything at once.
            """)

    @Option(name: .long, help: "Name of this worker, unique in the fleet (env PLAYHOUSE_WORKER_NAME; default host-pid).")
    var name: String = ProcessInfo.processInfo.environment["PLAYHOUSE_WORKER_NAME"] ?? CommonOptions.defaultWorkerName

    @Option(name: .long, help: "Jobs run at once (env PLAYHOUSE_CAPACITY; default the number of cores).")
    var capacity: Int =
        ProcessInfo.processInfo.environment["PLAYHOUSE_CAPACITY"].flatMap(Int.init)
        ?? ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Seconds running jobs may go on after SIGTERM before they are stopped (env PLAYHOUSE_DRAIN_TIMEOUT).")
    var drainTimeout: Double = ProcessInfo.processInfo.environment["PLAYHOUSE_DRAIN_TIMEOUT"].flatMap(Double.init) ?? 300

    @Option(
        name: .long,
        help: "Serve this worker's Prometheus /metrics on HOST:PORT, e.g. 127.0.0.1:9464 (env PLAYHOUSE_METRICS_LISTEN; default off).")
    var metricsListen: String = ProcessInfo.processInfo.environment["PLAYHOUSE_METRICS_LISTEN"] ?? ""

    @Option(
        name: .long,
        help: """
            A worker group whose jobs this worker takes, beside jobs that name none; repeat for several \
            (env PLAYHOUSE_WORKER_GROUPS, comma-separated; default: default).
            """)
    var group: [String] = []

    @OptionGroup var capacityOptions: CapacityOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard common.store.usesPostgres else {
            throw ArgumentParser.ValidationError(
                "workers share a PostgreSQL database: pass --database postgres://… (or PLAYHOUSE_DATABASE)")
        }
        guard capacity >= 1 else { throw ArgumentParser.ValidationError("--capacity must be at least 1") }
        _ = try groups
        guard drainTimeout >= 0 else { throw ArgumentParser.ValidationError("--drain-timeout must be 0 or more seconds") }
        guard !name.isEmpty, name.count <= 200 else { throw ArgumentParser.ValidationError("--name must be 1 to 200 characters") }
        if !metricsListen.isEmpty, WorkerMetrics.address(metricsListen) == nil {
            throw ArgumentParser.ValidationError("--metrics-listen must be HOST:PORT, e.g. 127.0.0.1:9464; not \"\(metricsListen)\"")
        }
    }

    func run() async throws {
        var logger = common.store.logger("playhouse.worker")
        logger[metadataKey: "worker"] = "\(name)"
        try await common.withComposition(logger: logger) { composition in
            // A worker that comes back under its name ends what it ran before it went away.
            let interrupted = try await composition.store.jobs.interruptRunning(message: "interrupted: worker restarted", worker: name)
            let groups = try groups
            let pool = composition.workerPool(
                name: name, capacity: capacity, groups: groups, capacityForks: capacityOptions.capacityForks,
                reserveAfter: capacityOptions.reserveAfter, drainTimeout: .seconds(drainTimeout),
                shutdownMessage: "interrupted: worker stopped")
            try await pool.cleanUpAfterCrash(interrupted: interrupted)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: pool),
                .init(service: composition.leaseReaper),
            ]
            if let listen = WorkerMetrics.address(metricsListen) {
                let metrics = WorkerMetrics.application(
                    store: composition.store, lease: composition.lease, host: listen.host, port: listen.port, logger: logger)
                services.append(.init(service: metrics))
            }
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm], logger: logger))
            logger.info(
                "worker running",
                metadata: [
                    "capacity": "\(capacity)", "capacity-forks": "\(capacityOptions.capacityForks)",
                    "groups": .string(groups.joined(separator: ",")), "projects": .string(composition.catalog.root),
                    "ansible": .string(composition.runner.ansible.binDirectory),
                ])
            try await Self.run(group, logger: logger)
        }
    }

    /// `--group`, else `PLAYHOUSE_WORKER_GROUPS`, else `default`.
    var groups: [String] {
        get throws { try CapacityOptions.groups(group, variable: "PLAYHOUSE_WORKER_GROUPS", option: "--group") }
    }

    /// Runs the group until it ends. A first Ctrl-C drains like SIGTERM; a second one
    /// cancels everything at once.
    static func run(_ group: ServiceGroup, logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            tasks.addTask {
                var interrupts = 0
                for await _ in await UnixSignalsSequence(trapping: .sigint) {
                    interrupts += 1
                    if interrupts == 1 {
                        logger.notice("draining: running jobs may finish; press Ctrl-C again to stop them now")
                        await group.triggerGracefulShutdown()
                    } else {
                        logger.notice("stopping now")
                        return false
                    }
                }
                return false
            }
            while let groupEnded = try await tasks.next() {
                tasks.cancelAll()
                if groupEnded { break }
            }
        }
    }
}
