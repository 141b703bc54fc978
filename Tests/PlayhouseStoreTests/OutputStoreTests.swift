import Foundation
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@Suite struct OutputStoreTests {
    let parameters = JobParameters(project: "demo", playbook: "hello.yml", inventory: "inventory/local.ini")

    /// Appends `lines` lines ("line 1\n"…) in chunks of `perChunk`.
    func fill(_ store: Store, job: Int64, lines: Int, perChunk: Int) async throws {
        var number = 0
        for first in stride(from: 0, to: lines, by: perChunk) {
            number += 1
            let text = (first..<min(lines, first + perChunk)).map { "line \($0 + 1)\n" }.joined()
            try await store.output.append(OutputChunk(number: number, firstLine: first, text: text), to: job)
        }
    }

    @Test(arguments: TestBackend.allCases) func outputIsKeptInOrderAndCountedOnTheJob(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let job = try await store.jobs.insert(parameters)
            try await store.output.append(OutputChunk(number: 1, firstLine: 0, text: "\u{1B}[0;32mok\u{1B}[0m\n"), to: job.id)
            try await store.output.append(OutputChunk(number: 2, firstLine: 1, text: "PLAY RECAP\nlocalhost : ok=1\n"), to: job.id)
            #expect(try await store.output.lineCount(of: job.id) == 3)
            #expect(try await store.jobs.find(job.id)?.outputLines == 3)
            let all = try await store.output.lines(of: job.id, 0..<100, maxBytes: 1 << 20)
            #expect(all.range == 0..<3 && all.total == 3)
            #expect(all.text == "\u{1B}[0;32mok\u{1B}[0m\nPLAY RECAP\nlocalhost : ok=1\n")
        }
    }

    @Test(arguments: TestBackend.allCases) func rangesCrossChunksAndStopAtTheEndAndAtTheByteBudget(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let job = try await store.jobs.insert(parameters)
            try await fill(store, job: job.id, lines: 1_000, perChunk: 7)
            #expect(try await store.output.lineCount(of: job.id) == 1_000)

            let middle = try await store.output.lines(of: job.id, 5..<25, maxBytes: 1 << 20)
            #expect(middle.range == 5..<25)
            #expect(middle.text == (6...25).map { "line \($0)\n" }.joined())

            let tail = try await store.output.lines(of: job.id, 995..<2_000, maxBytes: 1 << 20)
            #expect(tail.range == 995..<1_000)
            #expect(tail.text.hasSuffix("line 1000\n"))

            let beyond = try await store.output.lines(of: job.id, 1_000..<1_010, maxBytes: 1 << 20)
            #expect(beyond.range.isEmpty && beyond.text.isEmpty && beyond.total == 1_000)

            // "line 1\n" … each 7 to 10 bytes: a 50-byte budget holds a few whole lines, never a part of one.
            let budget = try await store.output.lines(of: job.id, 0..<1_000, maxBytes: 50)
            #expect(budget.range == 0..<7)
            #expect(budget.text == (1...7).map { "line \($0)\n" }.joined())
            let tiny = try await store.output.lines(of: job.id, 0..<1_000, maxBytes: 1)
            #expect(tiny.range == 0..<1, "at least one line")

            let from = try await store.output.chunks(of: job.id, from: 700, limit: 2)
            #expect(from.first?.firstLine == 700 && from.first?.lines == 7)
            #expect(from.first?.lineTexts(from: 701, to: 703) == ["line 702\n", "line 703\n"])
        }
    }
}

@Suite struct CompactionTests {
    @Test(arguments: TestBackend.allCases) func compactedLogsReadTheSameAndEventsPastTheCapGoWithAMarker(backend: TestBackend) async throws
    {
        try await TestPaths.withStore(backend) { store in
            let parameters = JobParameters(project: "demo", playbook: "hello.yml", inventory: "inventory/local.ini")
            let old = try await store.jobs.insert(parameters)
            let running = try await store.jobs.insert(parameters)
            _ = try await store.jobs.claimNext(worker: "w")
            _ = try await store.jobs.claimNext(worker: "w")
            try await OutputStoreTests().fill(store, job: old.id, lines: 2_500, perChunk: 7)
            try await OutputStoreTests().fill(store, job: running.id, lines: 10, perChunk: 7)
            var events = (1...99).map { JobEvent(seq: $0, type: .ok, time: Double($0), host: "h") }
            events.append(JobEvent(seq: 100, type: .stats, time: 100, data: .object(["hosts": .object([:])])))
            try await store.events.append(events, to: old.id)
            let whole = try await store.output.lines(of: old.id, 0..<5_000, maxBytes: 1 << 30).text
            let middle = try await store.output.lines(of: old.id, 1_000..<1_010, maxBytes: 1 << 30)
            _ = try await store.jobs.finish(old.id, outcome: RunOutcome(status: .successful), exitCode: 0, summary: JobSummary())

            let report = try await store.compact(endedBefore: Date().addingTimeInterval(60), keepEvents: 40)
            #expect(report.jobs == 1, "only the job that ended")
            #expect(report.logBytesBefore == whole.utf8.count)
            #expect(report.logBytesAfter > 0 && report.logBytesAfter < report.logBytesBefore / 3, "\(report)")
            #expect(report.eventsDropped == 59)

            #expect(try await store.output.lineCount(of: old.id) == 2_500)
            #expect(try await store.output.lines(of: old.id, 0..<5_000, maxBytes: 1 << 30).text == whole)
            #expect(try await store.output.lines(of: old.id, 1_000..<1_010, maxBytes: 1 << 30) == middle)
            #expect(try await store.output.chunks(of: old.id, from: 0, limit: 100).count == 1, "one deflated chunk for 20 KB")
            let kept = try await store.events.list(of: old.id, after: 0, limit: 1_000)
            #expect(kept.map(\.seq) == Array(1...41) + [100])
            #expect(kept[40].type == EventRepository.droppedMarker)
            #expect(kept[40].message?.hasPrefix("59 events after the first 40") == true)
            #expect(kept.last?.type == .stats, "the recap stays")

            let again = try await store.compact(endedBefore: Date().addingTimeInterval(60), keepEvents: 40)
            #expect(again.jobs == 0 && again.eventsDropped == 0, "a compacted job is not compacted again")
            #expect(try await store.output.lineCount(of: running.id) == 10)
        }
    }
}
