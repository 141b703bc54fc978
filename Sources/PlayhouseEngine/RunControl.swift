public import PlayhouseCore
import Synchronization

/// Lets someone outside a run stop it: a cancel, a timeout, a shutdown. The first reason
/// wins; later ones are ignored.
///
/// Pass it to ``PlaybookRunner/run(_:control:onUpdates:)`` and call ``stop(_:)`` from any
/// task or thread. One control serves one run; a stop asked before the run starts, or
/// while it checks out its project, stops it there.
public final class RunControl: Sendable {
    private struct State {
        var reason: StopReason?
        var waiters: [Int: CheckedContinuation<StopReason?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// A control nobody has stopped yet.
    public init() {}

    /// Asks the run to stop for `reason`.
    ///
    /// Returns at once; the run then signals its processes (see
    /// ``PlaybookRunner/run(_:control:onUpdates:)``) and ends with a result that says why:
    /// `canceled` for a cancel, `error` with a message for the other reasons.
    ///
    /// - Parameter reason: Why the run stops; only the first reason given counts.
    public func stop(_ reason: StopReason) {
        let waiting = state.withLock { state -> [CheckedContinuation<StopReason?, Never>] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiting { waiter.resume(returning: reason) }
    }

    /// Why the run was stopped, if it was.
    public var reason: StopReason? { state.withLock { $0.reason } }

    /// Waits until someone asks to stop; nil when the waiting task is cancelled first.
    /// Any number of tasks may wait, one after the other or at once: each stage of a run
    /// (its checkout, its `ansible-playbook`) watches for itself.
    func waitForStop() async -> StopReason? {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> StopReason?? in
                    if let reason = state.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

    /// How a stage of a run ended: done, or stopped before it was.
    enum Staged<Value: Sendable>: Sendable {
        case done(Value)
        case stopped(StopReason)
    }

    /// Runs `work` unless a stop comes first: a stop cancels it (the tools it started are
    /// ended by their teardown, a lock it waits for is given up) and says why.
    func unlessStopped<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) async throws -> Staged<Value> {
        if let reason { return .stopped(reason) }
        return try await withThrowingTaskGroup(of: Staged<Value>?.self) { group in
            group.addTask { .done(try await work()) }
            group.addTask { await self.waitForStop().map { .stopped($0) } }
            defer { group.cancelAll() }
            // The first to end decides; the work's own error after a stop is the stop's doing.
            do {
                if let first = try await group.next(), let staged = first { return staged }
            } catch {
                if let reason { return .stopped(reason) }
                throw error
            }
            // Only a cancelled wait ends without a reason: the calling task is being cancelled.
            throw CancellationError()
        }
    }
}
