import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// The SSE frames of each watched job's recent events, read from the store and encoded
/// once, then shared by every stream of this process: fifty people watching one job cost
/// one store read and one encoding per event, not fifty. With them goes the job's folded
/// summary as a `summary` frame, encoded once per change.
///
/// A stream asks for the frames after the last seq it sent, "fresh as of" the moment it
/// last woke up. The cache answers from memory when it holds those frames, and reads the
/// store only when the stream has caught up with everything the cache knows and the
/// cache's last read is older than that wake-up. Concurrent streams share one read.
actor EventFrames {
    /// Frames for one stream write.
    struct Page: Sendable {
        /// Event frames in seq order, without their `id:` line: each stream writes its own.
        var frames: ArraySlice<ByteBuffer> = []
        /// The seq of the last of `frames`; nil when there is none.
        var lastSeq: Int?
        /// The job's `summary` frame, folded over at least every event up to `lastSeq` (or,
        /// without frames, every event the stream has); nil when the job is gone.
        var summary: ByteBuffer?
        /// Set when the stream has everything and the job had ended before the read that
        /// proved it: the stream sends `end` with this job and closes.
        var endedJob: Job?
        /// The job no longer exists.
        var gone = false
    }

    private struct Window {
        /// The seq of `frames[0]`.
        var firstSeq: Int
        var frames: [ByteBuffer] = []
        /// When the read that last extended the window began.
        var readStarted: ContinuousClock.Instant
        /// That read found fewer events than a page: the window held everything stored then.
        var reachedEnd = false
        /// The job as of that read, when it had ended.
        var endedJob: Job?
        var gone = false
        var lastUsed: UInt64 = 0
        /// The job's summary as of that read, folded over every event up to `lastSeq`, as
        /// the API shows it, and its frame.
        var summary: (shown: EventStream.Summary, frame: ByteBuffer)?
        /// The stored summary last read, as text and decoded: most reads find it unchanged,
        /// and decode nothing.
        var stored: (text: String, summary: JobSummary)?

        var lastSeq: Int { firstSeq + frames.count - 1 }
    }

    /// Jobs whose windows are kept; the least recently used goes first.
    static let jobs = 32

    private let store: Store
    /// The most frames one answer holds.
    private let pageSize: Int
    /// The most frames kept per job; a stream further behind reads the store itself.
    private let framesPerJob: Int
    private var windows: [Int64: Window] = [:]
    private var reads: [Int64: Task<Void, any Error>] = [:]
    private var uses: UInt64 = 0

    init(store: Store, pageSize: Int = 500, framesPerJob: Int = 2_048) {
        self.store = store
        self.pageSize = pageSize
        self.framesPerJob = framesPerJob
    }

    /// The job's frames after `seq`, fresh as of `freshAsOf`: an empty page (without
    /// `endedJob`) means nothing new until the next wake-up.
    func page(of jobID: Int64, after seq: Int, freshAsOf: ContinuousClock.Instant) async throws -> Page {
        uses += 1
        while true {
            windows[jobID]?.lastUsed = uses
            if let window = windows[jobID] {
                if seq + 1 < window.firstSeq {
                    // Far behind the window (a late joiner, a slow client): read its history directly.
                    return try await history(of: jobID, after: seq)
                }
                if seq < window.lastSeq {
                    return slice(window, after: seq)
                }
                if seq == window.lastSeq, window.reachedEnd, window.readStarted >= freshAsOf {
                    return Page(summary: window.summary?.frame, endedJob: window.endedJob, gone: window.gone)
                }
            }
            if let running = reads[jobID] {
                try await running.value
                continue
            }
            let read = Task { try await self.read(jobID, after: seq) }
            reads[jobID] = read
            try await read.value
        }
    }

    /// Reads the job, then its events after `seq`, and extends (or restarts) its window.
    /// The job is read first: if it had ended, every event was stored before the read.
    ///
    /// A running job's stored summary folds its events up to `lastSeq`, and is stored a
    /// little after them: the events it lacks are read too and folded in, so the summary
    /// covers every frame of the window. An ended job's summary is the whole run's.
    ///
    /// It clears its own entry in `reads` before it completes, so a stream waiting on it
    /// never finds a finished read still registered.
    private func read(_ jobID: Int64, after seq: Int) async throws {
        defer { reads[jobID] = nil }
        let started = ContinuousClock.now
        // Only the progress: the whole job (its parameters) is read once it has ended.
        let progress = try await store.jobs.progress(of: jobID)
        let final = progress?.status.isFinal == true
        let folded = progress.map { final ? seq : min(seq, $0.lastSeq) } ?? seq
        let fetched = progress == nil ? [] : try await store.events.list(of: jobID, after: folded, limit: seq - folded + pageSize)
        let events = Array(fetched.drop { $0.seq <= seq })
        let encoded = await Self.encode(events)
        var window = windows[jobID].flatMap { $0.lastSeq == seq ? $0 : nil } ?? Window(firstSeq: seq + 1, readStarted: started)
        if let progress {
            if window.stored?.text != progress.summaryText { window.stored = (progress.summaryText, progress.summary()) }
            var summary = window.stored?.summary ?? JobSummary()
            for event in fetched where event.seq > progress.lastSeq && !final {
                summary.apply(event)
            }
            let shown = EventStream.Summary(summary, final: final)
            if window.summary?.shown != shown { window.summary = (shown, ByteBuffer(string: EventStream.summaryFrame(shown))) }
        } else {
            window.summary = nil
        }
        let job = final && events.count < pageSize ? try await store.jobs.find(jobID) : nil
        window.frames += encoded
        if window.frames.count > framesPerJob {
            let drop = window.frames.count - framesPerJob
            window.frames.removeFirst(drop)
            window.firstSeq += drop
        }
        window.readStarted = started
        window.reachedEnd = events.count < pageSize
        // A full page may leave more behind: the job's end is only known from a short read.
        window.endedJob = (job?.status.isFinal == true && window.reachedEnd) ? job : nil
        window.gone = progress == nil
        window.lastUsed = uses
        windows[jobID] = window
        evictIfNeeded()
    }

    private func history(of jobID: Int64, after seq: Int) async throws -> Page {
        let events = try await store.events.list(of: jobID, after: seq, limit: pageSize)
        var page = Page(summary: windows[jobID]?.summary?.frame)
        page.frames = await Self.encode(events)[...]
        page.lastSeq = events.last?.seq
        return page
    }

    /// Encoding runs off the actor, so one job's page never holds up the other streams.
    @concurrent private static func encode(_ events: [JobEvent]) async -> [ByteBuffer] {
        events.map { ByteBuffer(string: EventStream.frame($0)) }
    }

    private func slice(_ window: Window, after seq: Int) -> Page {
        let start = seq + 1 - window.firstSeq
        let end = min(window.frames.count, start + pageSize)
        var page = Page(summary: window.summary?.frame)
        page.frames = window.frames[start..<end]
        page.lastSeq = window.firstSeq + end - 1
        return page
    }

    private func evictIfNeeded() {
        guard windows.count > Self.jobs,
            let oldest = windows.filter({ reads[$0.key] == nil }).min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key
        else { return }
        windows[oldest] = nil
    }
}
