import Foundation
import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore
import ServiceLifecycle
import Synchronization

/// Runs queued jobs, up to `capacity` at once and as many as its capacity in forks holds,
/// in the order ``JobRepository/claimNext(worker:room:now:)`` picks them, of its groups.
///
/// It wakes when a job is queued or a slot frees up, claims jobs from the store, runs
/// them, stores their events and output in batches as they come, and records how they
/// ended. While jobs run it renews their leases; a job that was ended elsewhere meanwhile
/// (its lease expired) is stopped. A cancel reaches a running job through the store's
/// notifications. On graceful shutdown it stops claiming, lets running jobs go on for the
/// drain timeout, then stops them; cancellation stops them at once. Beside the jobs it keeps
/// the store's record of its git mirrors, and fetches them when asked (``MirrorSync``).
public struct WorkerPool: Service {
    public let store: Store
    public let catalog: ProjectCatalog
    /// Opens the credentials jobs use: the same key the server sealed them with.
    public let secrets: SecretBox
    public let runner: PlaybookRunner
    public let configuration: WorkerPoolConfiguration
    public let logger: Logger
    private let running = RunningJobs()
    private let builder = EnvironmentBuilder()
    private var mirrors: MirrorSync {
        MirrorSync(store: store, secrets: secrets, runsDirectory: runner.runsDirectory, worker: configuration.name, logger: logger)
    }

    public init(
        store: Store, catalog: ProjectCatalog, secrets: SecretBox, runner: PlaybookRunner,
        configuration: WorkerPoolConfiguration, logger: Logger
    ) {
        self.store = store
        self.catalog = catalog
        self.secrets = secrets
        self.runner = runner
        self.configuration = configuration
        self.logger = logger
    }

    /// Stops what a crashed predecessor left running for `jobs` (ended as interrupted),
    /// and every run of a process that is gone, removing their run directories. Call
    /// before ``run()``.
    public func cleanUpAfterCrash(interrupted jobs: [Int64]) async throws {
        let instanceID = try await store.instanceID()
        await runner.cleanUpAfterCrash(jobTags: jobs.map { JobPreparation.tag(instanceID: instanceID, job: $0) })
    }

    public func run() async throws {
        let instanceID = try await store.instanceID()
        // Builds this worker left running when it last stopped are not running any more.
        try await store.environments.interruptBuilds(of: configuration.name)
        try await store.workers.register(
            name: configuration.name, host: configuration.host, capacity: configuration.capacity, groups: configuration.groups,
            capacityForks: configuration.capacityForks)
        let draining = Flag()
        let notifications = store.notifications
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await heartbeats(draining: draining) }
            background.addTask {
                await builder.run(store: self.store, installs: runner.environments, worker: configuration.name, logger: logger)
            }
            background.addTask { await mirrors.run() }
            await withGracefulShutdownHandler {
                await runJobs(instanceID: instanceID, draining: draining)
            } onGracefulShutdown: {
                draining.set()
                notifications.post(.queue)
            }
            background.cancelAll()
        }
        let store = self.store
        let name = configuration.name
        _ = try? await Task {
            try await store.environments.interruptBuilds(of: name)
            try await store.workers.stop(name: name)
            try await store.mirrors.forget(worker: name)
        }.value
    }

    /// Claims and runs jobs until draining or cancelled, then waits for the running ones.
    private func runJobs(instanceID: String, draining: Flag) async {
        let wakeups = store.notifications.subscribe(.queue)
        let room = Room(slots: configuration.capacity)
        var unsureClaim: Date? = nil
        store.notifications.post(.queue)
        await withDiscardingTaskGroup { group in
            for await _ in wakeups {
                if draining.isSet { break }
                while !Task.isCancelled, !draining.isSet, room.takeSlot() {
                    let job: Job?
                    do {
                        let asked = ContinuousClock.now
                        job = try await claim(usedForks: room.usedForks, after: &unsureClaim)
                        store.metrics.store("claim", took: asked.duration(to: .now))
                        if let job { store.metrics.dispatched(after: .seconds(Date().timeIntervalSince(job.createdAt))) }
                    } catch {
                        // Once the database is back, the store wakes the queue and this loop claims again.
                        if Store.isUnavailable(error) {
                            logger.debug("could not claim a job: the database is away")
                        } else {
                            logger.error("could not claim a job: \(error)")
                        }
                        job = nil
                    }
                    guard let job else {
                        room.give()
                        break
                    }
                    room.use(forks: job.weight)
                    group.addTask {
                        await execute(job, instanceID: instanceID)
                        room.give(forks: job.weight)
                        store.notifications.post(.queue)
                    }
                }
            }
            guard !Task.isCancelled, !running.isEmpty else { return }
            logger.info("draining: waiting for running jobs", metadata: ["timeout": "\(configuration.drainTimeout)"])
            group.addTask {
                let deadline = ContinuousClock.now + configuration.drainTimeout
                while !running.isEmpty, ContinuousClock.now < deadline, !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                }
                running.stopAll(.shutdown(configuration.shutdownMessage))
            }
        }
    }

    /// Claims the next job of this worker's groups that fits beside the running ones, which
    /// weigh `usedForks`. A claim whose answer was lost with the database connection
    /// (`unsure`, the start time it sent) may have gone through: the job it took is this
    /// worker's, and is run before any other is claimed, or it would stay `running`.
    private func claim(usedForks: Int, after unsure: inout Date?) async throws -> Job? {
        if let sent = unsure {
            let taken = try await store.jobs.claimed(by: configuration.name, at: sent)
            unsure = nil
            if let taken {
                logger.notice("a claim whose answer was lost went through; running its job", metadata: ["job": "\(taken.id)"])
                return taken
            }
        }
        let now = Date()
        do {
            let room = ClaimRoom(
                groups: configuration.groups, capacityForks: configuration.capacityForks, usedForks: usedForks,
                reserveAfter: configuration.reserveAfter)
            return try await store.jobs.claimNext(worker: configuration.name, room: room, now: now)
        } catch  where Store.isUnavailable(error) {
            unsure = now
            throw error
        }
    }

    /// Renews the leases of the running jobs until cancelled, and stops any job that is
    /// no longer this worker's.
    private func heartbeats(draining: Flag) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.heartbeat)
            do {
                // Taken before the heartbeat: a job claimed after it is not in the
                // heartbeat's answer yet, and must not be mistaken for one ended elsewhere.
                let checked = running.all
                let owned = try await store.workers.heartbeat(
                    worker: configuration.name, state: draining.isSet ? .draining : .active)
                for (id, control) in checked where !owned.contains(id) {
                    logger.warning("job was ended elsewhere; stopping it", metadata: ["job": "\(id)"])
                    control.stop(.lost)
                }
                // The slow poll behind the queue's and the refreshes' notifications, should
                // one be missed.
                store.notifications.post(.queue)
                store.notifications.post(.mirrors)
            } catch {
                // While the database is away the store says so once; the leases wait for it (LeaseReaper).
                if Store.isUnavailable(error) {
                    logger.debug("could not send a heartbeat: the database is away")
                } else if !Task.isCancelled {
                    logger.warning("could not send a heartbeat: \(error)")
                }
            }
        }
    }

    /// Runs one claimed job to its end and records the outcome. Never throws: whatever
    /// goes wrong ends the job `error` with a message. While the database is away the run
    /// goes on and its end waits for it; only cancellation (a hard stop) gives up on
    /// what cannot be stored then, and the job's lease runs out.
    func execute(_ job: Job, instanceID: String) async {
        let logger = self.logger.with(job: job.id)
        logger.info("job started", metadata: ["playbook": .string(job.parameters.playbook)])
        let control = RunControl()
        running.add(job.id, control)
        defer { running.remove(job.id) }
        let recorder = JobRecorder(jobID: job.id, project: job.parameters.project, store: store, logger: logger)
        let shutdown = StopReason.shutdown(configuration.shutdownMessage)
        let stopped = Flag()
        let outcome: (RunOutcome, Int?, JobSummary)
        var facts: [String: JSONValue] = [:]
        do {
            let result = try await withTaskCancellationHandler {
                if job.outputLines > 0 { try await DatabaseRetry.run(store) { try await recorder.continueLog() } }
                if job.weight > configuration.capacityForks {
                    let alone =
                        "this job weighs \(job.weight) forks, more than worker \(configuration.name) holds "
                        + "(\(configuration.capacityForks)): it runs alone there\n"
                    try await DatabaseRetry.run(store) { try await recorder.record([.output(alone)]) }
                }
                let preparation = JobPreparation(store: store, catalog: catalog, secrets: secrets, instanceID: instanceID)
                let request = try await DatabaseRetry.run(store) { try await preparation.request(for: job) }
                return try await run(job, request: request, control: control, recorder: recorder)
            } onCancel: {
                stopped.set()
                control.stop(shutdown)
            }
            outcome = (result.outcome, result.exitCode, result.summary)
            facts = result.facts
        } catch let wait as EnvironmentNotBuilt {
            await giveBack(job, waitingFor: wait, recorder: recorder, stopped: stopped, logger: logger)
            return
        } catch let error as ValidationError {
            outcome = (RunOutcome(status: .error, error: error.message), nil, recorder.summary)
        } catch let error as RunnerError {
            outcome = (RunOutcome(status: .error, error: error.message), nil, recorder.summary)
        } catch let refusal as HostKeyRefusal {
            outcome = (RunOutcome(status: .error, error: refusal.message(forGitProject: job.parameters.project)), nil, recorder.summary)
        } catch {
            let message =
                Task.isCancelled || control.reason == shutdown
                ? configuration.shutdownMessage : "the run failed: \(error)"
            outcome = (RunOutcome(status: .error, error: message), nil, recorder.summary)
        }
        await recordEnd(of: job, outcome: outcome, facts: facts, recorder: recorder, stopped: stopped, logger: logger)
        logger.info(
            "job ended",
            metadata: [
                "status": .string(outcome.0.status.rawValue), "error": .string(outcome.0.error ?? ""),
            ])
    }

    /// Runs the prepared playbook, stopping it when someone cancels the job.
    private func run(_ job: Job, request: PlaybookRunRequest, control: RunControl, recorder: JobRecorder) async throws -> RunResult {
        try await withThrowingTaskGroup(of: RunResult?.self) { group in
            group.addTask {
                for await _ in store.notifications.subscribe(.cancel(job.id)) {
                    // A wake-up may be everyone's (the store reconnected): the job's own flag says
                    // whether it was canceled.
                    if (try? await store.jobs.find(job.id))?.cancelRequested == true {
                        control.stop(.canceled)
                        break
                    }
                }
                return nil
            }
            let current = try await DatabaseRetry.run(store) { try await store.jobs.find(job.id) }
            if current?.cancelRequested == true { control.stop(.canceled) }
            let mirrors = self.mirrors
            group.addTask {
                try await runner.run(request, control: control) { batch in
                    try await recorder.record(batch)
                    await mirrors.record(batch, project: job.parameters.project)
                }
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw CancellationError()
        }
    }

    /// Stores what the run left and how it ended, waiting for the database while it is
    /// away. Recorded even when the pool is shutting down and this task is cancelled: an
    /// unrecorded end would leave the job `running` until its lease expires.
    private func recordEnd(
        of job: Job, outcome: (RunOutcome, Int?, JobSummary), facts: [String: JSONValue], recorder: JobRecorder, stopped: Flag,
        logger: Logger
    ) async {
        let store = self.store
        do {
            let recorded = try await withTaskCancellationHandler {
                try await Task {
                    try await recorder.finish(until: stopped)
                    // Before the end, so whoever sees the job ended finds its hosts too.
                    do {
                        try await DatabaseRetry.run(store, until: stopped) {
                            try await recordWhatRan(job, outcome: outcome.0, summary: outcome.2, recorder: recorder, facts: facts)
                        }
                    } catch {
                        logger.error("could not record the job's hosts, facts and search words: \(error)")
                    }
                    return try await DatabaseRetry.run(store, until: stopped) {
                        try await store.jobs.finish(job.id, outcome: outcome.0, exitCode: outcome.1, summary: outcome.2)
                    }
                }.value
            } onCancel: {
                stopped.set()
            }
            if recorded, let started = job.startedAt {
                store.metrics.ran(outcome.0.status, for: .seconds(Date().timeIntervalSince(started)))
            }
            if !recorded { logger.warning("the job had already been ended elsewhere (lost or canceled)") }
        } catch {
            logger.error("could not record the end of the job: \(error)")
        }
    }
}

extension WorkerPool {
    /// Puts a job whose Ansible environment is not built here back in the queue, saying it
    /// waits, and builds the environment in the background unless this worker already is:
    /// no slot is held meanwhile, and the job is claimed again once the build ends.
    private func giveBack(_ job: Job, waitingFor wait: EnvironmentNotBuilt, recorder: JobRecorder, stopped: Flag, logger: Logger) async {
        let key = runner.environments.key(of: wait.environment)
        let label = wait.environment.label
        let reason = "waiting for its Ansible environment (\(label), from \(wait.source)) to be built on worker \(configuration.name)"
        do {
            let started = try await store.environments.startBuild(key: key, worker: configuration.name, label: label)
            try await recorder.record([.output(reason + "\n")])
            try await recorder.finish(until: stopped)
            if try await store.jobs.requeue(job.id, waitingFor: key, reason: reason) {
                logger.info("job waits for its Ansible environment", metadata: ["environment": .string(label)])
            }
            if started { builder.build(wait.environment) }
        } catch {
            logger.error("could not queue the job to wait for its environment: \(error)")
            _ = try? await store.jobs.finish(
                job.id, outcome: RunOutcome(status: .error, error: "could not queue the job to wait for its Ansible environment: \(error)"),
                exitCode: nil, summary: recorder.summary)
        }
    }

    /// How the run went on each host and the facts it gathered (for the Hosts page and the
    /// next run's fact cache), and its words for the search across jobs.
    private func recordWhatRan(
        _ job: Job, outcome: RunOutcome, summary: JobSummary, recorder: JobRecorder, facts: [String: JSONValue]
    ) async throws {
        let hosts = recorder.hostFailures.outcomes(of: summary)
        try await store.hosts.record(hosts, of: job)
        try await store.hosts.saveFacts(facts, project: job.parameters.project, inventory: job.parameters.inventory, jobID: job.id)
        let failures = hosts.flatMap { [$0.failedTask, $0.failure].compactMap { $0 } }
        let words = recorder.taskNames + hosts.map(\.host) + failures + [outcome.error].compactMap { $0 }
        try await store.jobs.index(job.id, text: words.joined(separator: "\n"))
    }
}

extension Logger {
    func with(job id: Int64) -> Logger {
        var logger = self
        logger[metadataKey: "job"] = "\(id)"
        return logger
    }
}
