import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore
import Synchronization

/// Stores a running job's updates one batch at a time: its events at once, since live
/// streams follow them, and its output, tasks (``TaskTally``) and progress at most every
/// quarter second, since the job page reads those at most a few times a second.
/// ``finish(until:)`` writes what is left.
///
/// While the database is away the run goes on: its updates are held (``UnsentUpdates``,
/// bounded) and stored in order once the database is back. The runner hands over a batch
/// a few times a second even when nothing happens, and each tries again: at once when
/// the store has reconnected since the last failure, otherwise after a backoff of 50 ms
/// doubling to 2 s.
final class JobRecorder: Sendable {
    private struct State {
        var summary = JobSummary()
        var lastSeq = 0
        var tasks = TaskTally()
        var hosts = HostFailures()
        var progressChanged = false
        var lastCut = ContinuousClock.now
        var unsent: UnsentUpdates
        /// Writes fail because the database is away: since when, how many attempts, the last one.
        var failing: (since: ContinuousClock.Instant, attempts: Int, last: ContinuousClock.Instant)?
    }

    static let flushInterval: Duration = .milliseconds(250)
    static let maxPendingOutput = 64 * 1024

    let jobID: Int64
    /// The job's project: a git project keeps the SSH host keys its first clone learned.
    let project: String
    let store: Store
    let logger: Logger
    private let state: Mutex<State>

    init(jobID: Int64, project: String, store: Store, logger: Logger, unsentLimit: Int = UnsentUpdates.defaultLimit) {
        self.jobID = jobID
        self.project = project
        self.store = store
        self.logger = logger
        state = Mutex(State(unsent: UnsentUpdates(limit: unsentLimit)))
    }

    /// Goes on after the log the job already has: it waited in the queue once (for its
    /// environment) after its first run began writing.
    func continueLog() async throws {
        let (chunk, lines) = try await store.output.end(of: jobID)
        state.withLock { $0.unsent.continueLog(chunk: chunk, lines: lines) }
    }

    var summary: JobSummary { state.withLock { $0.summary } }
    /// The first failure of each host so far.
    var hostFailures: HostFailures { state.withLock { $0.hosts } }
    /// The names of the tasks that started so far.
    var taskNames: [String] { state.withLock { $0.tasks.names } }

    /// Takes a batch of the run's updates and stores what is due; throws only when the
    /// store refuses a write for another reason than being away.
    func record(_ batch: [RunUpdate]) async throws {
        state.withLock { state in
            for update in batch {
                switch update {
                case .event(let event):
                    state.lastSeq = event.seq
                    let line = event.type.startsTask ? state.unsent.lines + state.unsent.heldLines : 0
                    state.tasks.apply(event, line: line)
                    state.hosts.apply(event)
                    state.unsent.append(event)
                case .summary(let summary):
                    state.summary = summary
                    state.progressChanged = true
                case .output(let text):
                    state.unsent.append(output: text)
                case .checkout(let sha):
                    state.unsent.set { $0.commit = sha }
                case .environment(let label):
                    state.unsent.set { $0.environment = label }
                case .learnedHostKeys(let text):
                    state.unsent.set { $0.learnedHostKeys = text }
                case .mirror, .requirements:
                    // The worker's, not the job's: MirrorSync records them.
                    break
                }
            }
            if ContinuousClock.now - state.lastCut >= Self.flushInterval || state.unsent.heldOutputBytes >= Self.maxPendingOutput {
                Self.cut(&state)
            }
        }
        _ = try await send(force: false)
    }

    /// Stores everything not stored yet, trying again while the database is away; gives up
    /// with ``StoreError/Code/unavailable`` once `stop` is set.
    func finish(until stop: Flag) async throws {
        state.withLock { Self.cut(&$0, last: true) }
        var attempts = 0
        while try await !send(force: attempts == 0) {
            attempts += 1
            if stop.isSet { throw StoreError(.unavailable, "the database was away when the job's last updates were to be stored") }
            // A short tick: `send` keeps to the backoff, and goes at once when the store is back.
            try? await Task.sleep(for: DatabaseRetry.firstDelay)
        }
    }

    /// Makes what is held ready to go: the output as a chunk, the tasks and progress as
    /// they are now.
    private static func cut(_ state: inout State, last: Bool = false) {
        state.lastCut = .now
        let progress = state.progressChanged ? (state.lastSeq, state.summary) : nil
        state.progressChanged = false
        state.unsent.cut(tasks: state.tasks.take(), progress: progress, last: last)
    }

    /// Stores what is held, unless the database is away and it is not time to try again
    /// (unless `force`d); false when something is left for later.
    private func send(force: Bool) async throws -> Bool {
        let status = store.databaseStatus
        let batch = state.withLock { state -> UnsentUpdates.Batch? in
            if !force, let failing = state.failing, !Self.mayRetry(failing, status: status) { return nil }
            return state.unsent.batch()
        }
        guard let batch else { return false }
        guard !batch.isEmpty else { return true }
        do {
            try await write(batch)
        } catch  where Store.isUnavailable(error) {
            let first = state.withLock { state in
                let now = ContinuousClock.now
                defer { state.failing = (state.failing?.since ?? now, (state.failing?.attempts ?? 0) + 1, now) }
                return state.failing == nil
            }
            if first {
                logger.warning("the database is away: the job goes on, and keeps its events and output until it is back")
            }
            return false
        }
        let away = state.withLock { state in
            defer { state.failing = nil }
            return state.failing.map { $0.since.duration(to: .now) }
        }
        if let away {
            logger.notice(
                "stored the events and output the job kept while the database was away",
                metadata: ["events": "\(batch.events.count)", "away_seconds": "\((away.inSeconds * 10).rounded() / 10)"])
        }
        return true
    }

    /// After a failure: at once when the store has reconnected since, otherwise after
    /// the backoff.
    private static func mayRetry(
        _ failing: (since: ContinuousClock.Instant, attempts: Int, last: ContinuousClock.Instant), status: DatabaseStatus
    ) -> Bool {
        switch status {
        case .unreachable: false
        case .reachable(let since?) where since > failing.last: true
        case .reachable: failing.last.duration(to: .now) >= DatabaseRetry.delay(after: failing.attempts)
        }
    }

    /// Writes `batch` in its order, forgetting each part once it is stored: the job's
    /// facts, its events, then its log, tasks and progress together.
    private func write(_ batch: UnsentUpdates.Batch) async throws {
        let jobID = self.jobID
        if !batch.facts.isEmpty {
            if let commit = batch.facts.commit { try await store.jobs.setCommit(jobID, commit: commit) }
            if let environment = batch.facts.environment { try await store.jobs.setEnvironment(jobID, environment: environment) }
            if let learned = batch.facts.learnedHostKeys {
                try await store.keepLearned(learned, ofGitProject: project, by: "job \(jobID)")
            }
            state.withLock { $0.unsent.stored(UnsentUpdates.Batch(facts: batch.facts)) }
        }
        if !batch.events.isEmpty {
            try await store.events.append(batch.events, to: jobID)
            store.metrics.stored(events: batch.events.count)
            state.withLock { $0.unsent.stored(UnsentUpdates.Batch(events: batch.events)) }
        }
        guard !batch.chunks.isEmpty || !batch.tasks.isEmpty || batch.progress != nil else { return }
        // One transaction: readers see the log, the tasks and the progress move together,
        // and are woken once for all of them.
        try await store.withTransaction { store in
            for chunk in batch.chunks { try await store.output.append(chunk, to: jobID) }
            try await store.tasks.add(batch.tasks, to: jobID)
            if let (lastSeq, summary) = batch.progress {
                try await store.jobs.updateProgress(of: jobID, lastSeq: lastSeq, summary: summary)
            }
        }
        state.withLock { $0.unsent.stored(UnsentUpdates.Batch(chunks: batch.chunks, tasks: batch.tasks, progress: batch.progress)) }
    }
}
