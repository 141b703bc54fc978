import PlayhouseCore
import PlayhouseStore
import Testing

@testable import PlayhouseWorker

/// What a running job holds while the database is away: everything, in order, within its
/// limit; past it, counted drops with markers where they were.
@Suite struct UnsentUpdatesTests {
    func event(_ seq: Int, message: String = "") -> JobEvent {
        JobEvent(seq: seq, type: .ok, time: Double(seq), task: "t", host: "h", message: message)
    }

    @Test func everythingHeldGoesOutInOrderAndIsForgottenOnceStored() {
        var unsent = UnsentUpdates()
        unsent.continueLog(chunk: 2, lines: 10)
        unsent.set { $0.commit = "abc" }
        for seq in 1...3 { unsent.append(event(seq)) }
        unsent.append(output: "one\ntwo")
        var task = TaskRecord(seq: 1, play: "p", name: "t", handler: false, line: 10)
        task.counts.ok = 1
        unsent.cut(tasks: [task], progress: (3, JobSummary()))
        unsent.append(output: "three\n")
        unsent.append(event(4))

        let batch = unsent.batch()
        #expect(batch.facts.commit == "abc")
        #expect(batch.events.map(\.seq) == [1, 2, 3, 4])
        #expect(batch.chunks.map(\.number) == [3])
        #expect(batch.chunks.first?.firstLine == 10 && batch.chunks.first?.text == "one\ntwo\n", "a chunk holds whole lines")
        #expect(batch.tasks == [task] && batch.progress?.lastSeq == 3)

        unsent.stored(batch)
        #expect(unsent.batch().isEmpty && !unsent.isEmpty, "the output after the cut waits for the next one")
        unsent.cut(tasks: [], progress: nil, last: true)
        #expect(unsent.batch().chunks.map(\.firstLine) == [12])
        unsent.stored(unsent.batch())
        #expect(unsent.isEmpty && unsent.bytes == 0)
    }

    @Test func partsStoredAreForgottenAndTheRestIsKept() {
        var unsent = UnsentUpdates()
        for seq in 1...5 { unsent.append(event(seq)) }
        let first = unsent.batch()
        unsent.append(event(6))
        unsent.stored(UnsentUpdates.Batch(events: first.events))
        #expect(unsent.batch().events.map(\.seq) == [6], "an event that came during the write waits for the next one")
    }

    @Test func pastTheLimitEventsAndOutputAreDroppedWithMarkersWhereTheyWere() {
        let size = UnsentUpdates.size(of: event(1, message: "x"))
        var unsent = UnsentUpdates(limit: size * 3)
        for seq in 1...7 { unsent.append(event(seq, message: "x")) }
        unsent.append(output: String(repeating: "y", count: size * 3) + "\n")

        var batch = unsent.batch()
        #expect(batch.events.map(\.seq) == [1, 2, 3, 4], "three kept, then the marker at the first seq dropped")
        #expect(batch.events.last?.type == EventRepository.droppedMarker)
        #expect(batch.events.last?.message?.hasPrefix("4 events dropped here: the database was away") == true)
        #expect(unsent.bytes < size * 3 + 200, "held: three events and the marker")

        unsent.stored(batch)
        unsent.append(event(8, message: "x"))
        unsent.append(output: "back\n")
        unsent.cut(tasks: [], progress: nil)
        batch = unsent.batch()
        #expect(batch.events.map(\.seq) == [8], "kept again once there is room: the seqs between are a gap the marker explains")
        let text = batch.chunks.map(\.text).joined()
        #expect(text.hasPrefix("[playhouse] \(size * 3 + 1) bytes of output dropped here") && text.hasSuffix("\nback\n"), "\(text)")
    }
}
