import Foundation
import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore
import ServiceLifecycle
import Synchronization

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

/// Runs queued jobs, up to `capacity` at once, oldest first.
///
/// It wakes when a job is queued or a slot frees up, claims jobs from the store, runs
/// them, stores their events and output in batches as they come, and records how they
/// ended. While jobs run it renews their leases; a job that was ended elsewhere meanwhile
/// (its lease expired) is stopped. A cancel reaches a running job through the store's
/// notifications. On graceful shutdown it stops claiming, lets running jobs go on for the
/// drain timeout, then stops them; cancellation stops them at once.
public struct WorkerPool: Service {
    public let store: Store
    public let catalog: ProjectCatalog
    /// Opens the credentials jobs use: the same key the server sealed them with.
    public let secrets: SecretBox
    public let runner: PlaybookRunner
    public let configuration: WorkerPoolConfiguration
    public let logger: Logger
    private let running = RunningJobs()

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
        try await store.registerWorker(name: configuration.name, host: configuration.host, capacity: configuration.capacity)
        let draining = Flag()
        let notifications = store.notifications
        await withTaskGroup(of: Void.self) { background in
            background.addTask { await heartbeats(draining: draining) }
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
        _ = try? await Task { try await store.stopWorker(name: name) }.value
    }

    /// Claims and runs jobs until draining or cancelled, then waits for the running ones.
    private func runJobs(instanceID: String, draining: Flag) async {
        let wakeups = store.notifications.subscribe(.queue)
        let slots = Slots(capacity: configuration.capacity)
        store.notifications.post(.queue)
        await withDiscardingTaskGroup { group in
            for await _ in wakeups {
                if draining.isSet { break }
                while !Task.isCancelled, !draining.isSet, slots.take() {
                    let job: Job?
                    do {
                        job = try await store.claimNextJob(worker: configuration.name)
                    } catch {
                        logger.error("could not claim a job: \(error)")
                        job = nil
                    }
                    guard let job else {
                        slots.give()
                        break
                    }
                    group.addTask {
                        await execute(job, instanceID: instanceID)
                        slots.give()
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

    /// Renews the leases of the running jobs until cancelled, and stops any job that is
    /// no longer this worker's.
    private func heartbeats(draining: Flag) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.heartbeat)
            do {
                // Taken before the heartbeat: a job claimed after it is not in the
                // heartbeat's answer yet, and must not be mistaken for one ended elsewhere.
                let checked = running.all
                let owned = try await store.heartbeat(
                    worker: configuration.name, state: draining.isSet ? .draining : .active)
                for (id, control) in checked where !owned.contains(id) {
                    logger.warning("job was ended elsewhere; stopping it", metadata: ["job": "\(id)"])
                    control.stop(.lost)
                }
                // The slow poll behind the queue's notifications, should one be missed.
                store.notifications.post(.queue)
            } catch {
                if !Task.isCancelled { logger.warning("could not send a heartbeat: \(error)") }
            }
        }
    }

    /// Runs one claimed job to its end and records the outcome. Never throws: whatever
    /// goes wrong ends the job `error` with a message.
    func execute(_ job: Job, instanceID: String) async {
        let logger = self.logger.with(job: job.id)
        logger.info("job started", metadata: ["playbook": .string(job.parameters.playbook)])
        let control = RunControl()
        running.add(job.id, control)
        defer { running.remove(job.id) }
        let recorder = JobRecorder(jobID: job.id, store: store)
        let shutdown = StopReason.shutdown(configuration.shutdownMessage)
        let outcome: (RunOutcome, Int?, JobSummary)
        do {
            let preparation = JobPreparation(store: store, catalog: catalog, secrets: secrets, instanceID: instanceID)
            let request = try await preparation.request(for: job)
            let result = try await withTaskCancellationHandler {
                try await withThrowingTaskGroup(of: RunResult?.self) { group in
                    group.addTask {
                        for await _ in store.notifications.subscribe(.cancel(job.id)) {
                            control.stop(.canceled)
                            break
                        }
                        return nil
                    }
                    if try await store.job(job.id)?.cancelRequested == true { control.stop(.canceled) }
                    group.addTask {
                        try await runner.run(request, control: control) { batch in
                            try await recorder.record(batch)
                        }
                    }
                    defer { group.cancelAll() }
                    while let result = try await group.next() {
                        if let result { return result }
                    }
                    throw CancellationError()
                }
            } onCancel: {
                control.stop(shutdown)
            }
            outcome = (result.outcome, result.exitCode, result.summary)
        } catch let error as ValidationError {
            outcome = (RunOutcome(status: .error, error: error.message), nil, recorder.summary)
        } catch let error as RunnerError {
            outcome = (RunOutcome(status: .error, error: error.message), nil, recorder.summary)
        } catch {
            let message = Task.isCancelled || control.reason == shutdown
                ? configuration.shutdownMessage : "the run failed: \(error)"
            outcome = (RunOutcome(status: .error, error: message), nil, recorder.summary)
        }
        do {
            // Recorded even when the pool is shutting down and this task is cancelled: an
            // unrecorded end would leave the job `running` until its lease expires.
            let store = self.store
            let recorded = try await Task {
                try await recorder.flush()
                return try await store.finishJob(job.id, outcome: outcome.0, exitCode: outcome.1, summary: outcome.2)
            }.value
            if !recorded { logger.warning("the job had already been ended elsewhere (lost or canceled)") }
        } catch {
            logger.error("could not record the end of the job: \(error)")
        }
        logger.info("job ended", metadata: [
            "status": .string(outcome.0.status.rawValue), "error": .string(outcome.0.error ?? ""),
        ])
    }
}

/// The runs in progress, so a heartbeat or a drain can stop them.
final class RunningJobs: Sendable {
    private let controls = Mutex<[Int64: RunControl]>([:])

    func add(_ id: Int64, _ control: RunControl) {
        controls.withLock { $0[id] = control }
    }

    func remove(_ id: Int64) {
        _ = controls.withLock { $0.removeValue(forKey: id) }
    }

    var all: [(Int64, RunControl)] { controls.withLock { $0.map { ($0.key, $0.value) } } }
    var isEmpty: Bool { controls.withLock { $0.isEmpty } }

    func stopAll(_ reason: StopReason) {
        for (_, control) in all { control.stop(reason) }
    }
}

/// A one-way switch: set once, read anywhere.
final class Flag: Sendable {
    private let value = Mutex(false)

    func set() {
        value.withLock { $0 = true }
    }

    var isSet: Bool { value.withLock { $0 } }
}

/// How many more jobs may run at once.
final class Slots: Sendable {
    private let free: Mutex<Int>

    init(capacity: Int) {
        free = Mutex(capacity)
    }

    /// Takes a slot if one is free.
    func take() -> Bool {
        free.withLock { free in
            guard free > 0 else { return false }
            free -= 1
            return true
        }
    }

    func give() {
        free.withLock { $0 += 1 }
    }
}

/// Stores a running job's updates one batch at a time: its events at once, since live
/// streams follow them, and its output and progress at most every quarter second, since
/// the job page reads those at most twice a second. ``flush()`` writes what is left.
final class JobRecorder: Sendable {
    private struct State {
        var summary = JobSummary()
        var lastSeq = 0
        var chunk = 0
        var output = ""
        var progressChanged = false
        var lastFlush = ContinuousClock.now
    }

    static let flushInterval: Duration = .milliseconds(250)
    static let maxPendingOutput = 64 * 1024

    let jobID: Int64
    let store: Store
    private let state = Mutex(State())

    init(jobID: Int64, store: Store) {
        self.jobID = jobID
        self.store = store
    }

    var summary: JobSummary { state.withLock { $0.summary } }

    func record(_ batch: [RunUpdate]) async throws {
        var events: [JobEvent] = []
        var commit: String? = nil
        let due = state.withLock { state -> Bool in
            for update in batch {
                switch update {
                case .event(let event):
                    events.append(event)
                    state.summary.apply(event)
                    state.lastSeq = event.seq
                    state.progressChanged = true
                case .output(let text):
                    state.output += text
                case .checkout(let sha):
                    commit = sha
                }
            }
            return ContinuousClock.now - state.lastFlush >= Self.flushInterval || state.output.utf8.count >= Self.maxPendingOutput
        }
        if let commit { try await store.setJobCommit(jobID, commit: commit) }
        try await store.appendEvents(events, to: jobID)
        if due { try await flush() }
    }

    /// Writes the output and progress not stored yet.
    func flush() async throws {
        let (output, chunk, progress) = state.withLock { state in
            state.lastFlush = .now
            defer {
                state.output = ""
                state.progressChanged = false
            }
            if !state.output.isEmpty { state.chunk += 1 }
            return (state.output, state.chunk, state.progressChanged ? (state.lastSeq, state.summary) : nil)
        }
        if !output.isEmpty { try await store.appendOutput(output, chunk: chunk, to: jobID) }
        if let (lastSeq, summary) = progress { try await store.updateProgress(of: jobID, lastSeq: lastSeq, summary: summary) }
    }
}

extension Logger {
    func with(job id: Int64) -> Logger {
        var logger = self
        logger[metadataKey: "job"] = "\(id)"
        return logger
    }
}
