import Hummingbird
import Synchronization

/// Counts the slow work running now, per user and in all, and refuses what would go over
/// ``ResourceLimits`` with a 429 that says when to try again.
///
/// Refused rather than queued: a waiting request still holds its connection, and its
/// client has usually given up by the time a place is free.
final class WorkLimits: Sendable {
    /// What is counted, each against its own limits.
    enum Kind: Sendable, Hashable {
        case inventoryResolution, gitListing, surveyLookup, logSearch, stream

        /// What it is, in the plural, for messages.
        var plural: String {
            switch self {
            case .inventoryResolution: "inventory resolutions"
            case .gitListing: "git playbook listings"
            case .surveyLookup: "survey choice lookups"
            case .logSearch: "log searches"
            case .stream: "live streams"
            }
        }

        /// The `serve` flag that sets the per-user limit.
        var perUserFlag: String {
            switch self {
            case .inventoryResolution: "--inventory-resolutions-per-user"
            case .gitListing: "--git-listings-per-user"
            case .surveyLookup: "--survey-lookups-per-user"
            case .logSearch: "--log-searches-per-user"
            case .stream: "--streams-per-user"
            }
        }

        /// The `serve` flag that sets the limit in all (streams have none).
        var totalFlag: String? {
            switch self {
            case .inventoryResolution: "--inventory-resolutions"
            case .gitListing: "--git-listings"
            case .surveyLookup: "--survey-lookups"
            case .logSearch: "--log-searches"
            case .stream: nil
            }
        }

        /// What to do about having too many.
        var freeOne: String {
            self == .stream
                ? "close a stream you no longer watch (a browser tab showing a job) and try again"
                : "try again once one has finished"
        }

        /// Seconds a refused client should wait. A lookup takes seconds; a stream's place
        /// held by a client that went away is freed at the next heartbeat (15 s by default).
        var retryAfter: Int {
            self == .stream ? 15 : 5
        }
    }

    let limits: ResourceLimits
    private let running = Mutex<[Kind: Running]>([:])

    private struct Running {
        var total = 0
        /// Only users with work running, so the table stays as small as the work.
        var byUser: [String: Int] = [:]
    }

    init(_ limits: ResourceLimits) {
        self.limits = limits
    }

    /// Runs `body` holding one place of `kind` for `user`, freed when it returns or throws;
    /// throws a 429 ``APIError`` at once when `user`, or everyone, has no place left.
    func withPermit<T>(
        user: String, kind: Kind, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        let permit = try permit(user: user, kind: kind)
        defer { permit.release() }
        return try await body()
    }

    /// One place of `kind` for `user`, held until the permit is released or dropped: for
    /// work that outlives the handler that admits it (a stream's body is written after its
    /// handler has returned). Throws like ``withPermit(user:kind:isolation:_:)``.
    func permit(user: String, kind: Kind) throws -> WorkPermit {
        let (perUser, total) = bounds(of: kind)
        let refusal: APIError? = running.withLock { running in
            var counts = running[kind, default: Running()]
            let mine = counts.byUser[user, default: 0]
            if mine >= perUser {
                return Self.refusal(
                    kind, "too many \(kind.plural) at once for one user",
                    detail: "you have \(mine) \(kind == .stream ? "open" : "running"), the most a user may (an admin sets this with "
                        + "`playhouse serve \(kind.perUserFlag)`); \(kind.freeOne)")
            }
            if counts.total >= total {
                return Self.refusal(
                    kind, "too many \(kind.plural) at once",
                    detail: "the server is running \(counts.total), the most it runs for everyone"
                        + (kind.totalFlag.map { " (an admin sets this with `playhouse serve \($0)`)" } ?? "")
                        + "; try again in a few seconds")
            }
            counts.total += 1
            counts.byUser[user] = mine + 1
            running[kind] = counts
            return nil
        }
        if let refusal { throw refusal }
        return WorkPermit(limits: self, user: user, kind: kind)
    }

    /// How many places of `kind` are held now.
    func running(_ kind: Kind) -> Int {
        running.withLock { $0[kind]?.total ?? 0 }
    }

    fileprivate func release(user: String, kind: Kind) {
        running.withLock { running in
            guard var counts = running[kind] else { return }
            counts.total -= 1
            let mine = counts.byUser[user, default: 1] - 1
            counts.byUser[user] = mine > 0 ? mine : nil
            running[kind] = counts
        }
    }

    private func bounds(of kind: Kind) -> (perUser: Int, total: Int) {
        switch kind {
        case .inventoryResolution: (limits.inventoryResolutions.perUser, limits.inventoryResolutions.total)
        case .gitListing: (limits.gitListings.perUser, limits.gitListings.total)
        case .surveyLookup: (limits.surveyLookups.perUser, limits.surveyLookups.total)
        case .logSearch: (limits.logSearches.perUser, limits.logSearches.total)
        // Each stream is cheap to the server; what must not grow is one user's share.
        case .stream: (limits.streamsPerUser, Int.max)
        }
    }

    private static func refusal(_ kind: Kind, _ error: String, detail: String) -> APIError {
        var refusal = APIError(.tooManyRequests, error, detail: detail)
        refusal.retryAfter = kind.retryAfter
        return refusal
    }
}

/// One place taken from ``WorkLimits``, given back once: by ``release()``, or when the
/// last reference goes (a response body that was never written still frees its place).
final class WorkPermit: Sendable {
    private let limits: WorkLimits
    private let user: String
    private let kind: WorkLimits.Kind
    private let held = Atomic(true)

    fileprivate init(limits: WorkLimits, user: String, kind: WorkLimits.Kind) {
        self.limits = limits
        self.user = user
        self.kind = kind
    }

    func release() {
        if held.exchange(false, ordering: .acquiringAndReleasing) {
            limits.release(user: user, kind: kind)
        }
    }

    deinit {
        release()
    }
}
