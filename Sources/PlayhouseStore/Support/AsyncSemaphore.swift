import Synchronization

/// Lets at most `width` callers run at once; the others wait their turn, in order, without
/// holding a thread. A caller that names a `waitingLimit` is refused at once rather than
/// wait behind that many others, so a flood of its kind of work cannot queue up without bound.
final class AsyncSemaphore: Sendable {
    /// The queue was full.
    struct Full: Error {}

    private struct State {
        var free: Int
        /// Resumed with false: the place is theirs.
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    private let state: Mutex<State>

    init(width: Int) {
        state = Mutex(State(free: width))
    }

    /// How many callers wait for a place now.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Runs `body` once a place is free, and frees it afterwards; throws ``Full`` when
    /// `waitingLimit` others are already waiting.
    func withPermit<T>(
        waitingLimit: Int? = nil, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        try await acquire(waitingLimit: waitingLimit)
        defer { release() }
        return try await body()
    }

    private func acquire(waitingLimit: Int?) async throws {
        let entered = state.withLock { state in
            guard state.free > 0 else { return false }
            state.free -= 1
            return true
        }
        if entered { return }
        let refused = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            // Decided and queued under one lock, so a release in between cannot be missed.
            let answer: Bool? = state.withLock { state in
                if state.free > 0 {
                    state.free -= 1
                    return false
                }
                if let waitingLimit, state.waiting.count >= waitingLimit { return true }
                state.waiting.append(continuation)
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
        if refused { throw Full() }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: false)
    }
}
