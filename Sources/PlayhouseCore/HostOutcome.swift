/// How a run went for one host: its counts, and the first failure that was not ignored.
public struct HostOutcome: Sendable, Equatable {
    public var host: String
    public var counts: HostCounts
    /// The task that failed first on the host (or found it unreachable), and what it said.
    public var failedTask: String?
    public var failure: String?

    public init(host: String, counts: HostCounts, failedTask: String? = nil, failure: String? = nil) {
        self.host = host
        self.counts = counts
        self.failedTask = failedTask
        self.failure = failure
    }

    /// `unreachable`, `failed`, `changed` or `ok`: the worst that happened.
    public var status: String {
        if counts.unreachable > 0 { return "unreachable" }
        if counts.failed > 0 { return "failed" }
        if counts.changed > 0 { return "changed" }
        return "ok"
    }
}

/// Keeps the first failure of each host as a run's events go by, for ``HostOutcome``.
public struct HostFailures: Sendable {
    private var first: [String: (task: String?, message: String?)] = [:]

    public init() {}

    public mutating func apply(_ event: JobEvent) {
        guard let host = event.host, first[host] == nil else { return }
        switch event.type {
        case .failed, .asyncFailed:
            guard event.data?["ignore_errors"] != .bool(true) else { return }
        case .unreachable:
            break
        default:
            return
        }
        first[host] = (event.task, event.message)
    }

    /// Each host of `summary` with its counts and first failure.
    public func outcomes(of summary: JobSummary) -> [HostOutcome] {
        summary.hosts.keys.sorted().map { host in
            HostOutcome(
                host: host, counts: summary.hosts[host] ?? HostCounts(), failedTask: first[host]?.task, failure: first[host]?.message)
        }
    }
}
