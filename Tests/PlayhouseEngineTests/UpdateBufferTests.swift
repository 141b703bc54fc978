import PlayhouseCore
import Synchronization
import Testing

@testable import PlayhouseEngine

/// The first updates of a run go out at once; batching starts only when updates come
/// faster than the interval.
@Suite struct UpdateBufferTests {
    @Test func aBurstIsHandedOverAtOnceThenBatched() async throws {
        // An interval far longer than the test may take: a batch that had to wait for it
        // would never arrive in time.
        let buffer = UpdateBuffer(interval: .seconds(600), idleTick: .seconds(600), burst: 3)
        let delivered = Batches()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await buffer.drain { batch in
                    if !batch.isEmpty { delivered.add(batch) }
                }
            }
            // Each of the three allowed and the one after them goes out as it comes.
            for index in 1...4 {
                buffer.append(.output("line \(index)\n"))
                try await waitUntil { delivered.count == index }
            }
            // The allowance is spent: the next update waits for the interval.
            buffer.append(.output("line 5\n"))
            try await Task.sleep(for: .milliseconds(300))
            #expect(delivered.count == 4, "past the burst, updates wait for the interval")
            // Cancelling ends the wait, and what has arrived is still delivered.
            buffer.finish()
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(delivered.sizes == [1, 1, 1, 1, 1])
    }

    private func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<500 where !condition() {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(condition(), "a batch of the burst was held back")
    }
}

/// The batches a consumer received, in order.
private final class Batches: Sendable {
    private let batches = Mutex<[[RunUpdate]]>([])

    func add(_ batch: [RunUpdate]) { batches.withLock { $0.append(batch) } }
    var count: Int { batches.withLock { $0.count } }
    var sizes: [Int] { batches.withLock { $0.map(\.count) } }
}
