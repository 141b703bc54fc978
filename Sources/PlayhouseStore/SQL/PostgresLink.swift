import Foundation
import Logging
import NIOCore
import NIOPosix
import PlayhouseCore
import PostgresNIO
import Synchronization

/// The process's way to PostgreSQL: PostgresNIO's pool (`PostgresClient`) for statements,
/// and a connection of its own that listens for notifications and is the first to hear
/// that the database went away.
///
/// A restart or a stop of the server closes every connection. The listening connection
/// then connects again at once, in case only it was dropped; when that fails too, the
/// database is away: the pool is shut down, so that a statement fails at once with
/// ``StoreError/Code/unavailable`` instead of queueing behind the pool's own backoff
/// (which grows to a minute, and fails every request after a minute without a
/// connection), and the connection is tried again after 50 ms, doubling to 2 s. Once it
/// listens again, a new pool takes over and `onReconnect` wakes every subscriber,
/// who reads what it may have missed.
final class PostgresLink: Sendable {
    /// A pool, and the signal that shuts it down.
    private struct Pool: Sendable {
        let client: PostgresClient
        let retire: AsyncStream<Void>.Continuation
        let retired: AsyncStream<Void>
    }

    private struct State {
        /// The pool statements use; nil while the database is away.
        var current: Pool?
        /// A pool already running, unused, that takes over when the database is back: its
        /// `run()` began long before anyone leases from it.
        var standby: Pool?
        var status: DatabaseStatus
        /// Attempts to connect that failed in a row.
        var failures = 0
        /// When the log last said that the database is still away.
        var lastComplaint: ContinuousClock.Instant?
        /// Whether it was ever reached: a process that starts while it is away waits.
        var reached = false
    }

    /// The listening connection did not answer a probe in time.
    private struct ProbeUnanswered: Error, CustomStringConvertible {
        var timeout: Duration
        var description: String { "the server did not answer within \(Int(timeout.inSeconds)) s" }
    }

    /// The listening connection ended without an error of its own.
    private struct ListeningEnded: Error, CustomStringConvertible {
        var description: String { "the server closed the connection" }
    }

    static let firstRetry: Duration = .milliseconds(50)
    static let longestRetry = DatabaseStatus.longestRetry
    /// How often the log repeats that the database is still away.
    static let complaintInterval: Duration = .seconds(30)
    /// How often the listening connection is asked a trivial query, and how long it has to
    /// answer: a connection whose server vanished without closing it (a failover, a dropped
    /// network) would otherwise listen to silence until the operating system gives up on it,
    /// which can take hours.
    static let probeInterval: Duration = .seconds(10)
    static let probeTimeout: Duration = .seconds(5)

    let target: PostgresURL.Target
    let channel: String
    let logger: Logger
    private let onNotification: @Sendable (String) -> Void
    private let onReconnect: @Sendable () -> Void
    private let state: Mutex<State>
    private let pools = AsyncStream.makeStream(of: Pool.self)
    private let connectionIDs = Atomic<Int>(0)

    /// A link to `target` that listens on `channel`, hands each notification's payload to
    /// `onNotification`, and calls `onReconnect` each time it listens again after losing
    /// its connection. Nothing connects before ``run()``.
    init(
        target: PostgresURL.Target, channel: String, logger: Logger, onNotification: @escaping @Sendable (String) -> Void,
        onReconnect: @escaping @Sendable () -> Void
    ) {
        self.target = target
        self.channel = channel
        self.logger = logger
        self.onNotification = onNotification
        self.onReconnect = onReconnect
        state = Mutex(State(status: .unreachable(since: .now, reason: "not connected yet")))
        let standby = makePool()
        state.withLock { $0.standby = standby }
        pools.continuation.yield(standby)
    }

    /// Whether the database can be reached, as the listening connection last found.
    var status: DatabaseStatus { state.withLock { $0.status } }

    /// Runs the pools and the listening connection until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.keepListening() }
            for await pool in pools.stream {
                group.addTask {
                    await withDiscardingTaskGroup { running in
                        running.addTask { await pool.client.run() }
                        for await _ in pool.retired {}
                        running.cancelAll()
                    }
                }
            }
            group.cancelAll()
        }
    }

    /// Waits until the database has been reached, at most `limit` (nil: as long as it
    /// takes) and for at least one attempt.
    func waitUntilReachable(within limit: Duration?) async throws {
        let deadline = limit.map { ContinuousClock.now + $0 }
        while true {
            let (status, tried) = state.withLock { ($0.status, $0.failures > 0) }
            guard case .unreachable(_, let reason) = status else { return }
            if let deadline, tried, ContinuousClock.now >= deadline {
                throw StoreError(.unavailable, "could not reach PostgreSQL at \(target.address): \(reason)")
            }
            // Only while the process starts: a short poll keeps this apart from the listening loop.
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Lends `body` a connection of the pool; fails at once while the database is away.
    func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        guard let client = state.withLock({ $0.current?.client }) else { throw unavailable() }
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch let error as PSQLError where error.code == .poolClosed {
            // The pool was shut down under this statement: the database went away.
            throw unavailable()
        }
    }

    private func unavailable() -> StoreError {
        let reason = if case .unreachable(_, let reason) = status { reason } else { "the connection was lost" }
        return StoreError(.unavailable, "PostgreSQL cannot be reached: \(reason)")
    }

    /// Listens on a connection of its own, and connects again whenever that connection
    /// ends, until cancelled.
    private func keepListening() async {
        while !Task.isCancelled {
            let error: any Error
            do {
                try await listenOnce()
                error = ListeningEnded()
            } catch let failure {
                error = failure
            }
            if Task.isCancelled { break }
            let (failures, wasReachable) = state.withLock { state in
                state.failures += 1
                return (state.failures, { if case .reachable = state.status { true } else { false } }())
            }
            // A connection that was up is tried again at once: perhaps only it was dropped.
            if failures == 1, wasReachable { continue }
            wentAway(error)
            let delay = min(Self.firstRetry * (1 << min(max(failures - 2, 0), 10)), Self.longestRetry)
            try? await Task.sleep(for: delay)
        }
    }

    /// Connects, listens, and returns or throws when the connection ends, or stops answering.
    private func listenOnce() async throws {
        let id = connectionIDs.add(1, ordering: .relaxed).newValue
        let connection = try await PostgresConnection.connect(configuration: target.connection, id: id, logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await connection.listen(on: self.channel) { notifications in
                        self.cameBack()
                        for try await notification in notifications { self.onNotification(notification.payload) }
                    }
                }
                group.addTask { try await self.probe(connection) }
                // Whichever ends first ends the other: the listening or the probe that found no answer.
                try await group.next()
                group.cancelAll()
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    /// Asks the connection `SELECT 1` every ``probeInterval``; closes it and throws when an
    /// answer takes longer than ``probeTimeout``.
    private func probe(_ connection: PostgresConnection) async throws {
        while true {
            try await Task.sleep(for: Self.probeInterval)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    _ = try await connection.query("SELECT 1", logger: self.logger).collect()
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: Self.probeTimeout)
                    // Closing fails the query that hangs and ends the listening: nothing waits on a dead connection.
                    try? await connection.close()
                    return false
                }
                let answered = try await group.next() ?? false
                group.cancelAll()
                guard answered else { throw ProbeUnanswered(timeout: Self.probeTimeout) }
            }
        }
    }

    /// Listening again: a new pool takes over if the old one was shut down, and everyone
    /// is woken to read what the missed notifications would have told.
    private func cameBack() {
        let (away, reachedBefore) = state.withLock { state -> (Duration?, Bool) in
            defer {
                state.failures = 0
                state.lastComplaint = nil
                state.reached = true
            }
            if state.current == nil {
                state.current = state.standby
                state.standby = nil
            }
            guard case .unreachable(let since, _) = state.status else { return (nil, true) }
            // Reached at the first attempt of a start: nothing was away.
            let firstTry = !state.reached && state.failures == 0
            state.status = .reachable(since: firstTry ? nil : .now)
            return (firstTry ? nil : since.duration(to: .now), state.reached)
        }
        if let away {
            let seconds = (away.inSeconds * 10).rounded() / 10
            logger.notice(
                reachedBefore
                    ? "reached PostgreSQL at \(target.address) again after \(seconds) s away"
                    : "reached PostgreSQL at \(target.address) after waiting \(seconds) s")
        }
        onReconnect()
    }

    /// The database cannot be reached: statements fail at once until it is back.
    private func wentAway(_ error: any Error) {
        let reason = Self.describe(error)
        let (retired, fresh, complaint) = state.withLock { state -> (Pool?, Pool?, String?) in
            var complaint: String? = nil
            switch state.status {
            case .reachable:
                state.status = .unreachable(since: .now, reason: reason)
                complaint =
                    "lost PostgreSQL at \(target.address): \(reason); reconnecting (statements fail at once until it is back,"
                    + " running jobs keep their events)"
            case .unreachable(let since, _):
                state.status = .unreachable(since: since, reason: reason)
                let away = Int(since.duration(to: .now).inSeconds)
                if state.lastComplaint == nil {
                    complaint = "cannot reach PostgreSQL at \(target.address): \(reason); waiting for it"
                } else if let last = state.lastComplaint, last.duration(to: .now) >= Self.complaintInterval {
                    complaint = "PostgreSQL at \(target.address) still cannot be reached after \(away) s: \(reason)"
                }
            }
            if complaint != nil { state.lastComplaint = .now }
            let retired = state.current
            state.current = nil
            var fresh: Pool? = nil
            if state.standby == nil {
                fresh = makePool()
                state.standby = fresh
            }
            return (retired, fresh, complaint)
        }
        if let complaint { logger.warning("\(complaint)") }
        retired?.retire.finish()
        if let fresh { pools.continuation.yield(fresh) }
    }

    private func makePool() -> Pool {
        let (retired, retire) = AsyncStream.makeStream(of: Void.self)
        return Pool(client: PostgresClient(configuration: target.client, backgroundLogger: logger), retire: retire, retired: retired)
    }

    /// What went wrong, in words for the log and `/api/v1/health`: the server's own
    /// message, or the network's.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        if var underlying = error.underlying {
            if let failed = underlying as? NIOConnectionError, let first = failed.connectionErrors.first { underlying = first.error }
            if let io = underlying as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
            return "\(underlying)"
        }
        switch error.code {
        case .serverClosedConnection: return "the server closed the connection"
        case .connectionError: return "the connection failed"
        case .uncleanShutdown: return "the connection ended uncleanly"
        default: return "\(error.code)"
        }
    }
}
