import PlayhouseCore
import Testing

@Suite struct TaskTallyTests {
    func event(_ seq: Int, _ type: EventType, task: String, host: String? = nil, changed: Bool? = nil, data: JSONValue? = nil) -> JobEvent {
        JobEvent(seq: seq, type: type, time: Double(seq), play: "p", task: task, host: host, changed: changed, data: data)
    }

    @Test func resultsCountOnTheirTaskAndEachTakeHandsOnlyWhatChanged() {
        var tally = TaskTally()
        tally.apply(event(1, .taskStart, task: "a"), line: 3)
        tally.apply(event(2, .itemOK, task: "a", host: "h1"), line: 0)
        tally.apply(event(3, .itemFailed, task: "a", host: "h1"), line: 0)
        tally.apply(event(4, .failed, task: "a", host: "h1"), line: 0)
        tally.apply(event(5, .handlerTaskStart, task: "b"), line: 9)
        // With the free strategy a result may follow a later task's start: it still counts on its own task.
        tally.apply(event(6, .ok, task: "a", host: "h2", changed: true), line: 0)
        let first = tally.take()
        #expect(first.map(\.seq) == [1, 5])
        #expect(first[0].line == 3 && first[0].name == "a" && !first[0].handler)
        #expect(first[0].counts.items == 2 && first[0].counts.failedItems == 1)
        #expect(first[0].counts.failed == 1 && first[0].counts.ok == 1 && first[0].counts.changed == 1)
        #expect(first[1].handler && first[1].counts == TaskCounts())

        tally.apply(event(7, .failed, task: "b", host: "h1", data: .object(["ignore_errors": .bool(true)])), line: 0)
        tally.apply(event(8, .skipped, task: "b", host: "h2"), line: 0)
        let second = tally.take()
        #expect(second.map(\.seq) == [5], "only the task that changed")
        #expect(second[0].counts.ignored == 1 && second[0].counts.skipped == 1 && second[0].counts.failed == 0)
        #expect(tally.take().isEmpty)

        tally.apply(event(9, .ok, task: "a", host: "h3"), line: 0)
        let third = tally.take()
        #expect(third.map(\.seq) == [1])
        #expect(third[0].counts.ok == 2 && third[0].counts.failed == 1 && third[0].counts.items == 2, "all its counts, not the change")
    }

    @Test func aResultBeforeAnyTaskIsNotCounted() {
        var tally = TaskTally()
        tally.apply(event(1, .ok, task: "x", host: "h"), line: 0)
        #expect(tally.take().isEmpty)
    }
}
