import PlayhouseCore
import PlayhouseStore

/// A running job's updates that are not stored yet, in the order they are to be stored:
/// what the recorder holds between two writes, and for as long as the database is away.
///
/// Memory is bounded: past `limit` bytes held (events and output), further events and
/// output are dropped and counted, and in their place go a marker event (at the seq of the
/// first one dropped, like a compaction's) and a marker line in the log. The job's tasks,
/// progress and recap still count every event. Within the limit nothing is lost, and
/// each event keeps its seq, so one stored twice (sent again after a lost answer) is
/// stored once.
struct UnsentUpdates: Sendable {
    /// 32 MB: a job emitting Ansible's top rate of about 130 events a second, each of a
    /// few hundred bytes, fills it in several minutes.
    static let defaultLimit = 32 * 1024 * 1024

    /// The job's new commit, environment and learned host keys, stored first.
    struct Facts: Sendable, Equatable {
        var commit: String?
        var environment: String?
        var learnedHostKeys: String?

        var isEmpty: Bool { commit == nil && environment == nil && learnedHostKeys == nil }
    }

    /// What one write sends.
    struct Batch: Sendable {
        var facts = Facts()
        var events: [JobEvent] = []
        var chunks: [OutputChunk] = []
        var tasks: [TaskRecord] = []
        var progress: (lastSeq: Int, summary: JobSummary)?

        var isEmpty: Bool { facts.isEmpty && events.isEmpty && chunks.isEmpty && tasks.isEmpty && progress == nil }
    }

    let limit: Int
    private var facts = Facts()
    private var events: [JobEvent] = []
    /// The size of each of `events`, counted once.
    private var eventSizes: [Int] = []
    /// The output not cut into a chunk yet.
    private var output = ""
    private var chunks: [OutputChunk] = []
    private var tasks: [Int: TaskRecord] = [:]
    private var progress: (lastSeq: Int, summary: JobSummary)?
    /// The number of the last chunk cut, and the lines of the log before the next one.
    private(set) var chunk = 0
    private(set) var lines = 0
    /// Bytes of events and output held.
    private(set) var bytes = 0
    /// The marker event of the events dropped since the last write, by its place in `events`.
    private var eventMarker: (index: Int, count: Int)?
    /// Output dropped since the last write.
    private var droppedOutput = 0

    init(limit: Int = Self.defaultLimit) {
        self.limit = limit
    }

    /// Goes on after the log a job already has (`chunk` chunks, `lines` lines).
    mutating func continueLog(chunk: Int, lines: Int) {
        self.chunk = chunk
        self.lines = lines
    }

    /// Lines of output held, not cut into a chunk yet.
    var heldLines: Int { output.utf8.count { $0 == UInt8(ascii: "\n") } }

    /// Bytes of output not cut into a chunk yet.
    var heldOutputBytes: Int { output.utf8.count }

    var isEmpty: Bool { batch().isEmpty && output.isEmpty }

    mutating func set(_ change: (inout Facts) -> Void) {
        change(&facts)
    }

    mutating func append(_ event: JobEvent) {
        let size = Self.size(of: event)
        guard bytes + size <= limit else {
            drop(event)
            return
        }
        events.append(event)
        eventSizes.append(size)
        bytes += size
    }

    mutating func append(output text: String) {
        guard bytes + text.utf8.count <= limit else {
            droppedOutput += text.utf8.count
            return
        }
        markDroppedOutput()
        hold(text)
    }

    private mutating func hold(_ text: String) {
        output += text
        bytes += text.utf8.count
    }

    /// Cuts the output held into the next chunk, and takes the tasks and progress as they
    /// are now, to go out with the next write. The `last` cut of a run also says how much
    /// output was dropped at its end, if any was.
    mutating func cut(tasks changed: [TaskRecord], progress latest: (lastSeq: Int, summary: JobSummary)?, last: Bool = false) {
        if last { markDroppedOutput() }
        if !output.isEmpty {
            // Chunks hold whole lines, so a range of lines never starts inside one; only a
            // run's last line can lack its newline.
            if output.utf8.last != UInt8(ascii: "\n") { hold("\n") }
            chunk += 1
            let cut = OutputChunk(number: chunk, firstLine: lines, text: output)
            lines = cut.endLine
            chunks.append(cut)
            output = ""
        }
        for task in changed { tasks[task.seq] = task }
        if let latest { progress = latest }
    }

    /// Everything to send now, in order.
    func batch() -> Batch {
        Batch(
            facts: facts, events: events, chunks: chunks, tasks: tasks.values.sorted { $0.seq < $1.seq }, progress: progress)
    }

    /// Forgets what `sent` held: it is stored.
    mutating func stored(_ sent: Batch) {
        if facts == sent.facts { facts = Facts() }
        let sentEvents = min(sent.events.count, events.count)
        bytes -= eventSizes.prefix(sentEvents).reduce(0, +)
        events.removeFirst(sentEvents)
        eventSizes.removeFirst(sentEvents)
        let sentChunks = min(sent.chunks.count, chunks.count)
        bytes -= chunks.prefix(sentChunks).reduce(0) { $0 + $1.text.utf8.count }
        chunks.removeFirst(sentChunks)
        for task in sent.tasks where tasks[task.seq] == task { tasks[task.seq] = nil }
        if let sentProgress = sent.progress, let held = progress, sentProgress.lastSeq == held.lastSeq,
            sentProgress.summary == held.summary
        {
            progress = nil
        }
        // A marker stored is complete; events dropped from now on get one of their own.
        if let marker = eventMarker {
            eventMarker = marker.index < sentEvents ? nil : (marker.index - sentEvents, marker.count)
        }
    }

    private mutating func drop(_ event: JobEvent) {
        if let marker = eventMarker {
            eventMarker = (marker.index, marker.count + 1)
        } else {
            let marker = JobEvent(
                seq: event.seq, type: EventRepository.droppedMarker, time: event.time,
                message: Self.droppedEventsMessage(Int.max, limit: limit))
            events.append(marker)
            eventSizes.append(Self.size(of: marker))
            bytes += Self.size(of: marker)
            eventMarker = (events.count - 1, 1)
        }
        if let marker = eventMarker { events[marker.index].message = Self.droppedEventsMessage(marker.count, limit: limit) }
    }

    /// Puts the line that says how much output was dropped where it was.
    private mutating func markDroppedOutput() {
        guard droppedOutput > 0 else { return }
        if !output.isEmpty, output.utf8.last != UInt8(ascii: "\n") { hold("\n") }
        hold(
            "[playhouse] \(droppedOutput) bytes of output dropped here: the database was away and the job held "
                + "\(limit / 1024 / 1024) MB waiting to be stored\n")
        droppedOutput = 0
    }

    static func droppedEventsMessage(_ count: Int, limit: Int) -> String {
        "\(count) events dropped here: the database was away and the job held \(limit / 1024 / 1024) MB waiting to be stored"
    }

    /// About what an event takes in memory: its texts, and a little for the rest.
    static func size(of event: JobEvent) -> Int {
        64 + (event.message?.utf8.count ?? 0) + (event.task?.utf8.count ?? 0) + (event.host?.utf8.count ?? 0)
            + (event.play?.utf8.count ?? 0) + (event.data.map { $0.jsonString().utf8.count } ?? 0)
    }
}
