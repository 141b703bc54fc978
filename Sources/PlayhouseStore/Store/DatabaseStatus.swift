/// Whether this process can reach its database, as it last found out.
public enum DatabaseStatus: Sendable, Equatable {
    /// Reachable. `since` is when it came back after being away, so that a lease counted
    /// across the time away is not held against a worker that could not renew it; nil
    /// when it has been reachable since the store opened.
    case reachable(since: ContinuousClock.Instant?)
    /// Away since `since`; `reason` is what the last attempt to reach it said.
    case unreachable(since: ContinuousClock.Instant, reason: String)

    /// The longest wait between two attempts of a process to reach the database again.
    public static let longestRetry: Duration = .seconds(2)

    /// Whether it has been reachable without a break for at least `duration`: always
    /// when it was never away since the store opened.
    public func isReachable(forAtLeast duration: Duration) -> Bool {
        switch self {
        case .reachable(let since): since.map { $0.duration(to: .now) >= duration } ?? true
        case .unreachable: false
        }
    }
}
