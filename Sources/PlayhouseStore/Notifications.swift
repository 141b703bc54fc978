import Synchronization

/// Wake-ups between the parts of Playhouse: "job 7 has new events", "the queue changed",
/// "cancel job 7". A wake-up carries no data; the receiver reads the store.
///
/// Subscriptions coalesce: a slow subscriber sees one pending wake-up, never a backlog.
public final class Notifications: Sendable {
    /// What a wake-up is about.
    public enum Channel: Hashable, Sendable {
        /// New events, output or a status change of a job.
        case job(Int64)
        /// A job was queued (or a slot may be free).
        case queue
        /// Someone asked to cancel a job.
        case cancel(Int64)
    }

    private struct State {
        var nextID = 0
        var subscribers: [Channel: [Int: AsyncStream<Void>.Continuation]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes every subscriber of `channel`.
    public func post(_ channel: Channel) {
        let continuations = state.withLock { Array(($0.subscribers[channel] ?? [:]).values) }
        for continuation in continuations {
            continuation.yield()
        }
    }

    /// Wake-ups on `channel` for as long as the stream is iterated.
    public func subscribe(_ channel: Channel) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            state.nextID += 1
            state.subscribers[channel, default: [:]][state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.subscribers[channel]?[id] = nil
                if state.subscribers[channel]?.isEmpty == true { state.subscribers[channel] = nil }
            }
        }
        return stream
    }
}
