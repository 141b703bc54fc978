import Synchronization

/// Collects a run's updates as they arrive and hands them over in batches: whatever
/// piled up while the consumer was busy becomes the next batch. Readers never wait on
/// the consumer, and the consumer never waits longer than it takes to arrive.
final class UpdateBuffer: Sendable {
    private struct State {
        var pending: [RunUpdate] = []
        var finished = false
    }

    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init() {
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
            if !batch.isEmpty { try await deliver(batch) }
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
