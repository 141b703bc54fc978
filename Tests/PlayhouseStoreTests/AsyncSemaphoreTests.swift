import Synchronization
import Testing

@testable import PlayhouseStore

/// The gate in front of bcrypt (and of SQLite's one connection): no more than its width at
/// once, the rest in turn, and a caller with a waiting limit refused when the queue is full.
@Suite struct AsyncSemaphoreTests {
    final class Counter: Sendable {
        private let state = Mutex<(now: Int, most: Int, done: Int)>((0, 0, 0))
        func enter() {
            state.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
        }
        func leave() {
            state.withLock {
                $0.now -= 1
                $0.done += 1
            }
        }
        var most: Int { state.withLock { $0.most } }
        /// Whether the callers let in may finish.
        private let gate = Mutex(false)
        var isOpen: Bool { gate.withLock { $0 } }
        func open() { gate.withLock { $0 = true } }
        var done: Int { state.withLock { $0.done } }
    }

    @Test func atMostTheWidthRunAndAFullQueueRefuses() async throws {
        let semaphore = AsyncSemaphore(width: 2)
        let counter = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    try await semaphore.withPermit(waitingLimit: 3) {
                        counter.enter()
                        // Held until the test has seen the queue full, however slow the machine.
                        while !counter.isOpen { try await Task.sleep(for: .milliseconds(10)) }
                        counter.leave()
                    }
                }
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while semaphore.waitingCount < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(semaphore.waitingCount == 3, "two run and three wait")
            // A sixth that will not wait behind three is refused at once.
            await #expect(throws: AsyncSemaphore.Full.self) { try await semaphore.withPermit(waitingLimit: 3) {} }
            counter.open()
            try await semaphore.withPermit {
                counter.enter()
                counter.leave()
            }
            try await group.waitForAll()
        }
        #expect(counter.most == 2)
        #expect(counter.done == 6, "every caller let in ran, the one without a limit too")
    }
}
