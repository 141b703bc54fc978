/// One task of a run with what its hosts made of it, as the job page lists it: a line per
/// task however many hosts and loop items it has, the items themselves read on demand.
public struct TaskRecord: Sendable, Equatable {
    /// The seq of the event that started the task; the task's id within its job.
    public var seq: Int
    public var play: String
    public var name: String
    public var handler: Bool
    /// About where the task's header is in the log (0-based line): the lines stored when
    /// its start was recorded. The log and the events travel apart, so it can be a few lines off.
    public var line: Int
    public var counts = TaskCounts()

    public init(seq: Int, play: String, name: String, handler: Bool, line: Int) {
        self.seq = seq
        self.play = play
        self.name = name
        self.handler = handler
        self.line = line
    }
}

/// A task's host results (the last result of each host, as in Ansible's recap) and loop items.
public struct TaskCounts: Sendable, Equatable {
    public var ok = 0
    public var changed = 0
    public var failed = 0
    public var ignored = 0
    public var skipped = 0
    public var unreachable = 0
    /// Loop item results of every host.
    public var items = 0
    /// Of those, the items that failed.
    public var failedItems = 0

    public init() {}
}

/// Folds a run's events into its tasks (``TaskRecord``), and hands out what changed since
/// it was last asked: each task that started or got results, with all its counts so far,
/// so that storing the same hand-out twice (a write tried again after the database was
/// away) changes nothing.
public struct TaskTally: Sendable {
    /// The seq of the task each play and task name last started: where its results go.
    private var started: [String: Int] = [:]
    private var last: Int?
    /// Every task so far, by seq, with its counts.
    private var tasks: [Int: TaskRecord] = [:]
    private var changed: Set<Int> = []

    public init() {}

    /// Folds one event; `line` is how many lines of the log have been recorded.
    public mutating func apply(_ event: JobEvent, line: Int) {
        switch event.type {
        case .taskStart, .handlerTaskStart:
            tasks[event.seq] = TaskRecord(
                seq: event.seq, play: event.play ?? "", name: event.task ?? "", handler: event.type == .handlerTaskStart, line: line)
            started[Self.key(event)] = event.seq
            last = event.seq
            changed.insert(event.seq)
        case .ok, .asyncOK:
            count(event) {
                $0.ok += 1
                if event.changed == true { $0.changed += 1 }
            }
        case .failed, .asyncFailed:
            let ignored = event.data?["ignore_errors"] == .bool(true)
            count(event) {
                if ignored { $0.ignored += 1 } else { $0.failed += 1 }
            }
        case .skipped:
            count(event) { $0.skipped += 1 }
        case .unreachable:
            count(event) { $0.unreachable += 1 }
        case .itemOK, .itemSkipped:
            count(event) { $0.items += 1 }
        case .itemFailed:
            count(event) {
                $0.items += 1
                $0.failedItems += 1
            }
        default:
            break
        }
    }

    /// The names of every task that started, each once, in name order.
    public var names: [String] {
        Set(tasks.values.map(\.name)).sorted()
    }

    /// The tasks that started or got results since the last call, each with all its
    /// counts, in seq order.
    public mutating func take() -> [TaskRecord] {
        defer { changed.removeAll(keepingCapacity: true) }
        return changed.sorted().compactMap { tasks[$0] }
    }

    /// Results name their task; with the free strategy they may follow a later task's start.
    private mutating func count(_ event: JobEvent, _ change: (inout TaskCounts) -> Void) {
        guard let seq = started[Self.key(event)] ?? last, tasks[seq] != nil else { return }
        change(&tasks[seq]!.counts)
        changed.insert(seq)
    }

    private static func key(_ event: JobEvent) -> String {
        "\(event.play ?? "")\u{0}\(event.task ?? "")"
    }
}
