import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import ServiceLifecycle
import Synchronization

/// Runs queued jobs, up to `capacity` at once, oldest first.
///
/// It wakes when a job is queued or a slot frees up, claims jobs from the store, runs
/// them, stores their events and output in batches as they come, and records how they
/// ended. A cancel for a running job reaches it through the store's notifications. On
/// graceful shutdown it stops claiming and stops its running jobs, which end `error`
/// ("interrupted: server stopped").
public struct WorkerPool: Service {
    public let store: Store
    public let catalog: ProjectCatalog
    public let runner: PlaybookRunner
    public let capacity: Int
    public let name: String
    public let logger: Logger

    public init(store: Store, catalog: ProjectCatalog, runner: PlaybookRunner, capacity: Int, name: String, logger: Logger) {
        self.store = store
        self.catalog = catalog
        self.runner = runner
        self.capacity = max(1, capacity)
        self.name = name
        self.logger = logger
    }

    /// Stops what a crashed predecessor left running for `jobs` (ended as interrupted),
    /// and removes its run directories. Call before ``run()``.
    public func cleanUpAfterCrash(interrupted jobs: [Int64]) async throws {
        let instanceID = try await store.instanceID()
        await runner.cleanUpAfterCrash(jobTags: jobs.map { JobPreparation.tag(instanceID: instanceID, job: $0) })
    }

    public func run() async throws {
        let instanceID = try await store.instanceID()
        let wakeups = store.notifications.subscribe(.queue)
        let slots = Slots(capacity: capacity)
        store.notifications.post(.queue)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await _ in wakeups {
                    while !Task.isCancelled, slots.take() {
                        let job: Job?
                        do {
                            job = try await store.claimNextJob(worker: name)
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
            }
        }
    }

    /// Runs one claimed job to its end and records the outcome. Never throws: whatever
    /// goes wrong ends the job `error` with a message.
    func execute(_ job: Job, instanceID: String) async {
        let logger = self.logger.with(job: job.id)
        logger.info("job started", metadata: ["playbook": .string(job.parameters.playbook)])
        let control = RunControl()
        let recorder = JobRecorder(jobID: job.id, store: store)
        let outcome: (RunOutcome, Int?, JobSummary)
        do {
            let preparation = JobPreparation(store: store, catalog: catalog, instanceID: instanceID)
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
                control.stop(.shutdown)
            }
            outcome = (result.outcome, result.exitCode, result.summary)
        } catch let error as ValidationError {
            outcome = (RunOutcome(status: .error, error: error.message), nil, recorder.summary)
        } catch let error as RunnerError {
            outcome = (RunOutcome(status: .error, error: error.message), nil, recorder.summary)
        } catch {
            let message = Task.isCancelled || control.reason == .shutdown
                ? "interrupted: server stopped" : "the run failed: \(error)"
            outcome = (RunOutcome(status: .error, error: message), nil, recorder.summary)
        }
        do {
            // Recorded even when the pool is shutting down and this task is cancelled: an
            // unrecorded end would leave the job `running` until the next start.
            let store = self.store
            _ = try await Task {
                try await store.finishJob(job.id, outcome: outcome.0, exitCode: outcome.1, summary: outcome.2)
            }.value
        } catch {
            logger.error("could not record the end of the job: \(error)")
        }
        logger.info("job ended", metadata: [
            "status": .string(outcome.0.status.rawValue), "error": .string(outcome.0.error ?? ""),
        ])
    }
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

/// Stores a running job's updates: events with the summary after them, and output
/// chunks, one batch at a time.
final class JobRecorder: Sendable {
    private struct State {
        var summary = JobSummary()
        var chunk = 0
    }

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
        var output = ""
        for update in batch {
            switch update {
            case .event(let event): events.append(event)
            case .output(let text): output += text
            }
        }
        if !output.isEmpty {
            let chunk = state.withLock { state -> Int in
                state.chunk += 1
                return state.chunk
            }
            try await store.appendOutput(output, chunk: chunk, to: jobID)
        }
        if !events.isEmpty {
            let summary = state.withLock { state -> JobSummary in
                for event in events { state.summary.apply(event) }
                return state.summary
            }
            try await store.appendEvents(events, to: jobID, summary: summary)
        }
    }
}

extension Logger {
    func with(job id: Int64) -> Logger {
        var logger = self
        logger[metadataKey: "job"] = "\(id)"
        return logger
    }
}
