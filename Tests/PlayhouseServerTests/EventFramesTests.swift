import Foundation
import NIOCore
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@testable import PlayhouseServer

/// The shared frame cache behind live streams, with small pages and windows so every
/// path (cached slice, shared read, history read, window restart, end) is taken.
@Suite struct EventFramesTests {
    let parameters = JobParameters(project: "p", playbook: "site.yml", inventory: "hosts")

    func events(_ range: ClosedRange<Int>) -> [JobEvent] {
        range.map { JobEvent(seq: $0, type: .ok, time: 1_700_000_000 + Double($0), host: "h\($0 % 3)") }
    }

    /// Reads pages until an empty one, and returns the seqs read and the last page.
    func readAll(
        _ frames: EventFrames, job: Int64, after start: Int, freshAsOf: ContinuousClock.Instant
    ) async throws -> (seqs: [Int], last: EventFrames.Page) {
        var seqs: [Int] = []
        var after = start
        while true {
            let page = try await frames.page(of: job, after: after, freshAsOf: freshAsOf)
            guard let last = page.lastSeq else { return (seqs, page) }
            // Frames come without ids (each stream writes its own): the seq is in each one's JSON.
            seqs += page.frames.compactMap { frame in
                String(buffer: frame).split(separator: "\n").first { $0.hasPrefix("data: ") }
                    .flatMap { JSONValue.parse(String($0.dropFirst(6)))?["seq"]?.intValue }
            }
            #expect(seqs.last == last, "the page's last seq is its last frame's")
            after = last
        }
    }

    @Test func everyReaderGetsEverySeqOnceFromWhereverItStarts() async throws {
        try await TestPaths.withStore { store in
            let job = try await store.jobs.insert(parameters)
            _ = try await store.jobs.claimNext(worker: "w")
            try await store.events.append(events(1...120), to: job.id)
            let frames = EventFrames(store: store, pageSize: 7, framesPerJob: 30)
            let now = ContinuousClock.now
            // Many readers at once, from the start, the middle and the end: one shares
            // another's read, one reads history behind the window, one is caught up.
            let starts = [0, 0, 0, 5, 50, 89, 90, 119, 120]
            let results = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
                for start in starts {
                    group.addTask { (start, try await readAll(frames, job: job.id, after: start, freshAsOf: now).seqs) }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            for start in starts {
                #expect(results[start] == (start < 120 ? Array(start + 1...120) : []), "reader from \(start)")
            }

            // New events after a wake-up are read again, once the reader asks fresh.
            let before = try await readAll(frames, job: job.id, after: 120, freshAsOf: now)
            #expect(before.seqs.isEmpty)
            #expect(before.last.endedJob == nil)
            try await store.events.append(events(121...140), to: job.id)
            let stale = try await frames.page(of: job.id, after: 120, freshAsOf: now)
            #expect(stale.lastSeq == nil, "without a newer wake-up the cache answers from memory")
            let fresh = try await readAll(frames, job: job.id, after: 120, freshAsOf: .now)
            #expect(fresh.seqs == Array(121...140))

            // A job that has ended: the reader that has everything gets the end.
            _ = try await store.jobs.finish(job.id, outcome: RunOutcome(status: .successful), exitCode: 0, summary: JobSummary())
            let end = try await readAll(frames, job: job.id, after: 140, freshAsOf: .now)
            #expect(end.seqs.isEmpty)
            #expect(end.last.endedJob?.status == .successful)
            let late = try await readAll(frames, job: job.id, after: 0, freshAsOf: .now)
            #expect(late.seqs == Array(1...140), "a late joiner reads the history, then the window")
            #expect(late.last.endedJob?.status == .successful)
        }
    }

    /// The data of a page's `summary` frame.
    func summary(_ page: EventFrames.Page) -> JSONValue? {
        let data = page.summary.flatMap { String(buffer: $0).split(separator: "\n").first { $0.hasPrefix("data: ") } }
        return data.flatMap { JSONValue.parse(String($0.dropFirst(6))) }
    }

    /// A summary's `hosts` as the frame writes them.
    func hosts(_ summary: JobSummary) throws -> JSONValue? {
        JSONValue.parse(String(decoding: try JSONEncoder().encode(summary.hosts), as: UTF8.self))
    }

    @Test func theSummaryIsTheStoredOneWithTheEventsItLacksFoldedIn() async throws {
        try await TestPaths.withStore { store in
            let job = try await store.jobs.insert(parameters)
            _ = try await store.jobs.claimNext(worker: "w")
            try await store.events.append(events(1...120), to: job.id)
            // The recorder stores the summary a little after the events, here as of seq 60. A
            // host no event names shows that the frame starts from the stored summary.
            var stored = JobSummary()
            for event in events(1...60) { stored.apply(event) }
            stored.hosts["recorded", default: HostCounts()].ok = 7
            try await store.jobs.updateProgress(of: job.id, lastSeq: 60, summary: stored)
            let frames = EventFrames(store: store, pageSize: 7, framesPerJob: 30)

            // A reader from 90 gets 91...97, and a summary over every event up to 97.
            let first = try await frames.page(of: job.id, after: 90, freshAsOf: .now)
            #expect(first.lastSeq == 97)
            var expected = stored
            for event in events(61...97) { expected.apply(event) }
            #expect(summary(first)?["hosts"] == (try hosts(expected)))
            #expect(summary(first)?["progress"]?["percent"] == .number(0))

            // Served from the window, behind it or from history: the newest summary of the job.
            let all = try await readAll(frames, job: job.id, after: 97, freshAsOf: .now)
            #expect(all.seqs == Array(98...120))
            for event in events(98...120) { expected.apply(event) }
            #expect(summary(all.last)?["hosts"] == (try hosts(expected)))
            let behind = try await frames.page(of: job.id, after: 100, freshAsOf: .now)
            #expect(behind.summary == all.last.summary)
            let history = try await frames.page(of: job.id, after: 0, freshAsOf: .now)
            #expect(history.lastSeq == 7)
            #expect(history.summary == all.last.summary)

            // An ended job's summary is as its JSON shows it: progress complete.
            _ = try await store.jobs.finish(job.id, outcome: RunOutcome(status: .successful), exitCode: 0, summary: expected)
            let end = try await readAll(frames, job: job.id, after: 120, freshAsOf: .now)
            #expect(end.last.endedJob?.status == .successful)
            #expect(summary(end.last)?["progress"]?["percent"] == .number(100))
            #expect(summary(end.last)?["hosts"] == (try hosts(expected)))
        }
    }

    @Test func aJobThatDoesNotExistEndsTheStream() async throws {
        try await TestPaths.withStore { store in
            let page = try await EventFrames(store: store).page(of: 99, after: 0, freshAsOf: .now)
            #expect(page.gone)
            #expect(page.lastSeq == nil)
            #expect(page.summary == nil)
        }
    }
}
