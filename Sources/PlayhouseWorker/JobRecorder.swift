import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore
import Synchronization

/// Stores a running job's updates one batch at a time: its events at once, since live
/// streams follow them, and its output, tasks (``TaskTally``) and progress at most every
/// quarter second, since the job page reads those at most a few times a second. ``flush()`` writes what is left.
final class JobRecorder: Sendable {
    private struct State {
        var summary = JobSummary()
        var lastSeq = 0
        var chunk = 0
        /// Lines of output stored or on their way.
        var lines = 0
        var output = ""
        var tasks = TaskTally()
        var hosts = HostFailures()
        var progressChanged = false
        var lastFlush = ContinuousClock.now
    }

    static let flushInterval: Duration = .milliseconds(250)
    static let maxPendingOutput = 64 * 1024

    let jobID: Int64
    /// The job's project: a git project keeps the SSH host keys its first clone learned.
    let project: String
    let store: Store
    private let state = Mutex(State())

    init(jobID: Int64, project: String, store: Store) {
        self.jobID = jobID
        self.project = project
        self.store = store
    }

    /// Goes on after the log the job already has: it waited in the queue once (for its
    /// environment) after its first run began writing.
    func continueLog() async throws {
        let (chunk, lines) = try await store.output.end(of: jobID)
        state.withLock { state in
            state.chunk = chunk
            state.lines = lines
        }
    }

    var summary: JobSummary { state.withLock { $0.summary } }
    /// The first failure of each host so far.
    var hostFailures: HostFailures { state.withLock { $0.hosts } }
    /// The names of the tasks that started so far.
    var taskNames: [String] { state.withLock { $0.tasks.names } }

    func record(_ batch: [RunUpdate]) async throws {
        var events: [JobEvent] = []
        var commit: String? = nil
        var environment: String? = nil
        var learned: String? = nil
        let due = state.withLock { state -> Bool in
            for update in batch {
                switch update {
                case .event(let event):
                    events.append(event)
                    state.lastSeq = event.seq
                    let line = event.type.startsTask ? state.lines + state.output.utf8.count { $0 == UInt8(ascii: "\n") } : 0
                    state.tasks.apply(event, line: line)
                    state.hosts.apply(event)
                case .summary(let summary):
                    state.summary = summary
                    state.progressChanged = true
                case .output(let text):
                    state.output += text
                case .checkout(let sha):
                    commit = sha
                case .environment(let label):
                    environment = label
                case .learnedHostKeys(let text):
                    learned = text
                case .mirror, .requirements:
                    // The worker's, not the job's: MirrorSync records them.
                    break
                }
            }
            return ContinuousClock.now - state.lastFlush >= Self.flushInterval || state.output.utf8.count >= Self.maxPendingOutput
        }
        if let commit { try await store.jobs.setCommit(jobID, commit: commit) }
        if let environment { try await store.jobs.setEnvironment(jobID, environment: environment) }
        if let learned { try await store.keepLearned(learned, ofGitProject: project, by: "job \(jobID)") }
        try await store.events.append(events, to: jobID)
        store.metrics.stored(events: events.count)
        if due { try await flush() }
    }

    /// Writes the output, tasks and progress not stored yet.
    func flush() async throws {
        let (output, tasks, progress) = state.withLock { state in
            state.lastFlush = .now
            defer {
                state.output = ""
                state.progressChanged = false
            }
            var output: OutputChunk? = nil
            if !state.output.isEmpty {
                // Chunks hold whole lines, so a range of lines never starts inside one; only
                // a run's last line can lack its newline.
                if state.output.utf8.last != UInt8(ascii: "\n") { state.output += "\n" }
                state.chunk += 1
                output = OutputChunk(number: state.chunk, firstLine: state.lines, text: state.output)
                state.lines = output?.endLine ?? state.lines
            }
            return (output, state.tasks.take(), state.progressChanged ? (state.lastSeq, state.summary) : nil)
        }
        guard output != nil || !tasks.isEmpty || progress != nil else { return }
        // One transaction: readers see the log, the tasks and the progress move together,
        // and are woken once for all of them.
        let jobID = self.jobID
        try await store.withTransaction { store in
            if let output { try await store.output.append(output, to: jobID) }
            try await store.tasks.add(tasks, to: jobID)
            if let (lastSeq, summary) = progress { try await store.jobs.updateProgress(of: jobID, lastSeq: lastSeq, summary: summary) }
        }
    }
}
