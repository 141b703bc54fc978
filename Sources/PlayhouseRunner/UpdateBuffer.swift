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

    /// Calls `deliver` with each batch until the buffer is finished and empty.
    func drain(_ deliver: ([RunUpdate]) async throws -> Void) async throws {
        var iterator = wakeups.makeAsyncIterator()
        while true {
            let (batch, finished) = state.withLock { state in
                defer { state.pending.removeAll(keepingCapacity: true) }
                return (state.pending, state.finished)
            }
            if !batch.isEmpty { try await deliver(batch) }
            if finished && batch.isEmpty { return }
            if !finished, await iterator.next() == nil { continue }
        }
    }
}
