import Synchronization

/// Wake-ups between the parts of Playhouse: "job 7 has new events", "the queue changed",
/// "cancel job 7", "fetch the mirrors". A wake-up carries no data; the receiver reads the store.
///
/// Subscriptions coalesce: a slow subscriber sees one pending wake-up per channel, never
/// a backlog.
public final class Notifications: Sendable {
    /// What a wake-up is about.
    public enum Channel: Hashable, Sendable {
        /// New events, output or a status change of a job.
        case job(Int64)
        /// A job was queued (or a slot may be free).
        case queue
        /// Someone asked to cancel a job.
        case cancel(Int64)
        /// A workflow job may move on: a node's job ended, an approval was decided, a
        /// workflow job was launched or canceled.
        case workflows
        /// Someone asked the workers to fetch a git project's mirror now.
        case mirrors
        /// A regular tick for long-lived listeners (live streams send a keep-alive).
        case heartbeat
    }

    private struct State {
        var nextID = 0
        var subscribers: [Channel: [Int: @Sendable (Channel) -> Void]] = [:]
    }

    private let state = Mutex(State())

    /// A hub with no subscribers yet.
    public init() {}

    /// Wakes every subscriber of `channel`.
    public func post(_ channel: Channel) {
        let wakes = state.withLock { Array(($0.subscribers[channel] ?? [:]).values) }
        for wake in wakes { wake(channel) }
    }

    /// Wakes every subscriber of every channel: wake-ups may have been missed (the
    /// database connection that carries them between processes was lost), so everyone
    /// reads the store again.
    public func wakeAll() {
        let wakes = state.withLock { state in state.subscribers.flatMap { channel, wakes in wakes.values.map { (channel, $0) } } }
        for (channel, wake) in wakes { wake(channel) }
    }

    /// Wake-ups on `channel` for as long as the stream is iterated.
    public func subscribe(_ channel: Channel) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = register([channel]) { _ in continuation.yield() }
        continuation.onTermination = { [weak self] _ in self?.unregister(id, from: [channel]) }
        return stream
    }

    /// Wake-ups on any of `channels`, each naming the channel that woke it.
    public func subscribe(to channels: Set<Channel>) -> AsyncStream<Channel> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Channel.self, bufferingPolicy: .bufferingNewest(max(1, channels.count)))
        let id = register(channels) { continuation.yield($0) }
        continuation.onTermination = { [weak self] _ in self?.unregister(id, from: channels) }
        return stream
    }

    private func register(_ channels: Set<Channel>, wake: @escaping @Sendable (Channel) -> Void) -> Int {
        state.withLock { state in
            state.nextID += 1
            for channel in channels { state.subscribers[channel, default: [:]][state.nextID] = wake }
            return state.nextID
        }
    }

    private func unregister(_ id: Int, from channels: Set<Channel>) {
        state.withLock { state in
            for channel in channels {
                state.subscribers[channel]?[id] = nil
                if state.subscribers[channel]?.isEmpty == true { state.subscribers[channel] = nil }
            }
        }
    }
}
