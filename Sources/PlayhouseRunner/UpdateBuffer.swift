import Synchronization

/// Collects a run's updates as they arrive and hands them over in batches: whatever
/// piled up while the consumer was busy, or within `interval` of the previous batch,
/// becomes the next batch. Readers never wait on the consumer.
///
/// The interval matters when Ansible is slow: events then trickle in one by one, and
/// without it each would cost its own store writes and wake every watcher. A batch at most
/// every 50 ms keeps that cost flat and adds at most 50 ms to an event's way to a page.
final class UpdateBuffer: Sendable {
    private struct State {
        var pending: [RunUpdate] = []
        var finished = false
    }

    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let interval: Duration

    init(interval: Duration = .milliseconds(50)) {
        self.interval = interval
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
        var iterator = wakeups.makeAsyncIterator()
        while true {
            let (batch, finished) = state.withLock { state in
                defer { state.pending.removeAll(keepingCapacity: true) }
                return (state.pending, state.finished)
            }
            if !batch.isEmpty {
                let next = ContinuousClock.now + interval
                try await deliver(batch)
                // Cancellation ends the wait early; the loop below then delivers the rest.
                if !finished { try? await Task.sleep(until: next) }
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
