import PlayhouseStore

/// Sends a write again while the database is away, so that a worker outlives a restart
/// of PostgreSQL: after 50 ms, doubling to 2 s, or at once when the store reconnects.
enum DatabaseRetry {
    static let firstDelay: Duration = .milliseconds(50)
    static let longestDelay: Duration = .seconds(2)

    /// The wait after `attempts` failed attempts.
    static func delay(after attempts: Int) -> Duration {
        min(firstDelay * (1 << min(max(attempts - 1, 0), 10)), longestDelay)
    }

    /// Runs `operation` until it succeeds or fails for another reason than the database
    /// being away. Gives up (throwing what the last attempt threw) once `stop` is set or
    /// the task is cancelled; the first attempt is always made.
    static func run<T>(_ store: Store, until stop: Flag? = nil, _ operation: () async throws -> T) async throws -> T {
        var attempts = 0
        while true {
            do {
                return try await operation()
            } catch  where Store.isUnavailable(error) {
                attempts += 1
                if stop?.isSet == true || Task.isCancelled { throw error }
                await wait(delay(after: attempts), orUntilBack: store)
            }
        }
    }

    /// Sleeps `delay`, or less when the store reconnects meanwhile: the store knows at once,
    /// and a wait of its own would only add to it.
    static func wait(_ delay: Duration, orUntilBack store: Store) async {
        let failed = ContinuousClock.now
        while failed.duration(to: .now) < delay, !Task.isCancelled {
            if case .reachable(let since?) = store.databaseStatus, since > failed { return }
            try? await Task.sleep(for: min(firstDelay, delay))
        }
    }
}
