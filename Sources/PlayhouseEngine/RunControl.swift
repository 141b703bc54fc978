public import PlayhouseCore
import Synchronization

/// Lets someone outside a run stop it: a cancel, a timeout, a shutdown. The first reason
/// wins; later ones are ignored.
///
/// Pass it to ``PlaybookRunner/run(_:control:onUpdates:)`` and call ``stop(_:)`` from any
/// task or thread. One control serves one run; a stop asked before the run starts stops
/// it as soon as its process is running.
public final class RunControl: Sendable {
    private let state = Mutex<StopReason?>(nil)
    private let stream: AsyncStream<StopReason>
    private let continuation: AsyncStream<StopReason>.Continuation

    /// A control nobody has stopped yet.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: StopReason.self, bufferingPolicy: .bufferingOldest(1))
    }

    /// Asks the run to stop for `reason`.
    ///
    /// Returns at once; the run then signals its processes (see
    /// ``PlaybookRunner/run(_:control:onUpdates:)``) and ends with a result that says why:
    /// `canceled` for a cancel, `error` with a message for the other reasons.
    ///
    /// - Parameter reason: Why the run stops; only the first reason given counts.
    public func stop(_ reason: StopReason) {
        let first = state.withLock { current -> Bool in
            guard current == nil else { return false }
            current = reason
            return true
        }
        if first {
            continuation.yield(reason)
            continuation.finish()
        }
    }

    /// Why the run was stopped, if it was.
    public var reason: StopReason? { state.withLock { $0 } }

    /// Waits until someone asks to stop; returns nil if the control is dropped first.
    func waitForStop() async -> StopReason? {
        for await reason in stream { return reason }
        return nil
    }
}
