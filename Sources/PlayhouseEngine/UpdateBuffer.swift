import Synchronization

/// Collects a run's updates as they arrive and hands them over in batches: whatever
/// piled up while the consumer was busy, or within `interval` of the previous batch,
/// becomes the next batch. Readers never wait on the consumer.
///
/// The interval matters when Ansible is slow: events then trickle in one by one, and
/// without it each would cost its own store writes and wake every watcher. A batch at most
/// every 50 ms keeps that cost flat and adds at most 50 ms to an event's way to a page.
/// Batching starts only once updates come faster than that: a burst of `burst` batches
/// (the start of a run: playbook, play, first task) goes out at once, and one more is
/// allowed for each interval that passes quietly.
///
/// While nothing arrives, the consumer gets an empty batch every `idleTick`, so one that
/// holds updates back (the job's log, written a few times a second) can write them even
/// when the next update is a long task away.
final class UpdateBuffer: Sendable {
    private struct State {
        var pending: [RunUpdate] = []
        var finished = false
    }

    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let interval: Duration
    private let idleTick: Duration
    private let burst: Int

    init(interval: Duration = .milliseconds(50), idleTick: Duration = .milliseconds(250), burst: Int = 8) {
        self.interval = interval
        self.idleTick = idleTick
        self.burst = burst
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func append(_ update: RunUpdate) {
        state.withLock { $0.pending.append(update) }
        wake.yield()
    }

    /// No more updates will come.
    func finish() {
        state.withLock { $0.finished = true }
        wake.finish()
    }

    /// Calls `deliver` with each batch until the buffer is finished and empty, or the
    /// task is cancelled (then what has arrived is still delivered).
    func drain(_ deliver: ([RunUpdate]) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { ticker in
            ticker.addTask { [wake, idleTick] in
                while (try? await Task.sleep(for: idleTick)) != nil { wake.yield() }
            }
            defer { ticker.cancelAll() }
            try await drainBatches(deliver)
        }
    }

    private func drainBatches(_ deliver: ([RunUpdate]) async throws -> Void) async throws {
        var iterator = wakeups.makeAsyncIterator()
        // Batches that may go out without waiting: a token bucket refilled one per interval.
        var allowance = Double(burst)
        var lastRefill = ContinuousClock.now
        while true {
            let (batch, finished) = state.withLock { state in
                defer { state.pending.removeAll(keepingCapacity: true) }
                return (state.pending, state.finished)
            }
            // An empty batch is an idle tick (or a wake-up already served).
            let now = ContinuousClock.now
            allowance = min(Double(burst), allowance + (now - lastRefill) / interval)
            lastRefill = now
            try await deliver(batch)
            if !batch.isEmpty, !finished {
                if allowance >= 1 {
                    allowance -= 1
                } else {
                    // Cancellation ends the wait early; the loop below then delivers the rest.
                    try? await Task.sleep(until: now + interval)
                }
            }
            if finished {
                if batch.isEmpty { return }
                continue
            }
            // nil: finished (read the rest on the next turn) or cancelled (no more waits).
            if await iterator.next() == nil, Task.isCancelled {
                let rest = state.withLock { state in
                    defer { state.pending.removeAll() }
                    return state.pending
                }
                if !rest.isEmpty { try await deliver(rest) }
                return
            }
        }
    }
}
