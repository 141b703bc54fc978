/// Per-host result counts, as in Ansible's recap.
public struct HostCounts: Sendable, Codable, Equatable {
    public var ok = 0
    public var changed = 0
    public var failed = 0
    public var unreachable = 0
    public var skipped = 0
    public var rescued = 0
    public var ignored = 0

    public init() {}
}

/// How far a job has come.
///
/// `tasksTotal` is an estimate: the callback counts the tasks of every play when the
/// playbook starts; tasks added at run time (`include_tasks`, roles included dynamically)
/// are not in it, and loops count once. `percent` stays below 100 until the job ends.
public struct JobProgress: Sendable, Codable, Equatable {
    public var tasksDone = 0
    public var tasksTotal = 0
    public var percent = 0
    public var currentPlay: String?
    public var currentTask: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case tasksDone = "tasks_done"
        case tasksTotal = "tasks_total"
        case percent
        case currentPlay = "current_play"
        case currentTask = "current_task"
    }
}

/// The running summary of a job, folded from its events in order.
///
/// Host counts come from the results as they arrive and are replaced by Ansible's own
/// recap (`playbook_on_stats`) when it comes.
public struct JobSummary: Sendable, Codable, Equatable {
    public var progress = JobProgress()
    public var hosts: [String: HostCounts] = [:]
    /// True once Ansible printed its recap, i.e. it ran the playbook to the end.
    public var sawRecap = false
    /// Tasks started so far, including the one running now.
    public var tasksStarted = 0
    /// Output past the run's limit, dropped (nil: none).
    public var droppedOutputBytes: Int?
    /// Events past the run's limit, dropped but counted here (nil: none).
    public var droppedEvents: Int?
    /// What the playbook published with `set_stats` (for all hosts), from the recap: a
    /// workflow hands it to the nodes after this one.
    public var artifacts: [String: JSONValue]?

    public init() {}

    /// Folds one event into the summary.
    public mutating func apply(_ event: JobEvent) {
        switch event.type {
        case .playbookStart:
            if let total = event.data?["tasks_total"]?.intValue { progress.tasksTotal = total }
        case .playStart:
            progress.currentPlay = event.play
            progress.currentTask = nil
        case .taskStart, .handlerTaskStart:
            tasksStarted += 1
            progress.tasksDone = tasksStarted - 1
            progress.currentTask = event.task
            progress.currentPlay = event.play ?? progress.currentPlay
        case .ok:
            update(event.host) {
                $0.ok += 1
                if event.changed == true { $0.changed += 1 }
            }
        case .failed:
            let ignored = event.data?["ignore_errors"] == .bool(true)
            update(event.host) {
                if ignored { $0.ignored += 1 } else { $0.failed += 1 }
            }
        case .skipped:
            update(event.host) { $0.skipped += 1 }
        case .unreachable:
            update(event.host) { $0.unreachable += 1 }
        case .stats:
            sawRecap = true
            if case .object(let recap)? = event.data?["hosts"] {
                hosts = recap.mapValues(Self.counts(from:))
            }
            if case .object(let published)? = event.data?["artifacts"], !published.isEmpty {
                artifacts = published
            }
            progress.tasksDone = tasksStarted
            progress.currentTask = nil
        default:
            break
        }
        progress.tasksTotal = max(progress.tasksTotal, tasksStarted)
        progress.percent = Self.percent(done: progress.tasksDone, total: progress.tasksTotal)
    }

    /// Marks the summary as belonging to a job that has ended: progress reaches 100 %.
    public mutating func finish() {
        progress.tasksDone = max(progress.tasksDone, tasksStarted)
        progress.tasksTotal = max(progress.tasksTotal, progress.tasksDone)
        progress.percent = 100
        progress.currentTask = nil
    }

    /// A sliced job's summary from its slices': their hosts and progress added up, the
    /// current play and task of a running slice, finished once every slice has.
    public init(slices: [(status: JobStatus, summary: JobSummary)]) {
        for slice in slices {
            hosts.merge(slice.summary.hosts) { _, new in new }
            if let published = slice.summary.artifacts { artifacts = (artifacts ?? [:]).merging(published) { _, new in new } }
            progress.tasksDone += slice.summary.progress.tasksDone
            progress.tasksTotal += slice.summary.progress.tasksTotal
            if slice.status == .running {
                progress.currentPlay = slice.summary.progress.currentPlay
                progress.currentTask = slice.summary.progress.currentTask
            }
        }
        progress.percent = Self.percent(done: progress.tasksDone, total: progress.tasksTotal)
        if !slices.isEmpty, slices.allSatisfy(\.status.isFinal) { finish() }
    }

    /// True when a host failed or could not be reached.
    public var anyHostFailed: Bool {
        hosts.values.contains { $0.failed > 0 || $0.unreachable > 0 }
    }

    private mutating func update(_ host: String?, _ change: (inout HostCounts) -> Void) {
        guard let host else { return }
        change(&hosts[host, default: HostCounts()])
    }

    private static func percent(done: Int, total: Int) -> Int {
        guard total > 0 else { return 0 }
        return min(99, done * 100 / total)
    }

    private static func counts(from value: JSONValue) -> HostCounts {
        var counts = HostCounts()
        counts.ok = value["ok"]?.intValue ?? 0
        counts.changed = value["changed"]?.intValue ?? 0
        counts.failed = value["failed"]?.intValue ?? 0
        counts.unreachable = value["unreachable"]?.intValue ?? 0
        counts.skipped = value["skipped"]?.intValue ?? 0
        counts.rescued = value["rescued"]?.intValue ?? 0
        counts.ignored = value["ignored"]?.intValue ?? 0
        return counts
    }
}
