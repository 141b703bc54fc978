/// How much slow work the server starts at once, per user and in all, and how many live
/// streams one user may hold open.
///
/// Work over a limit is refused at once with 429 and `Retry-After` rather than queued, so
/// a flood of requests cannot pile up `ansible-inventory` processes, git clones, outgoing
/// requests or sockets on the server, and one user cannot use up what everyone shares.
public struct ResourceLimits: Sendable, Equatable {
    /// How many of one kind of work may run at once.
    public struct Concurrency: Sendable, Equatable {
        /// For one user.
        public var perUser: Int
        /// For everyone together.
        public var total: Int

        public init(perUser: Int, total: Int) {
            self.perUser = perUser
            self.total = total
        }
    }

    /// `ansible-inventory` runs: `GET /inventories/{id}/hosts`, survey choices from an
    /// inventory group, and the host list of a sliced launch.
    public var inventoryResolutions: Concurrency
    /// The clones that list a git project's playbooks and inventories.
    public var gitListings: Concurrency
    /// Survey choices fetched from a URL.
    public var surveyLookups: Concurrency
    /// Searches of a job's log (`GET /jobs/{id}/search`), each a read of the whole log.
    public var logSearches: Concurrency
    /// Live event streams (`GET /jobs/{id}/stream`) one user may hold open.
    public var streamsPerUser: Int
    /// How long a survey's choices URL may take to answer.
    public var surveyLookupTimeout: Duration

    public init(
        inventoryResolutions: Concurrency = Concurrency(perUser: 2, total: 8),
        gitListings: Concurrency = Concurrency(perUser: 2, total: 8),
        surveyLookups: Concurrency = Concurrency(perUser: 2, total: 8),
        logSearches: Concurrency = Concurrency(perUser: 2, total: 4),
        streamsPerUser: Int = 20,
        surveyLookupTimeout: Duration = .seconds(10)
    ) {
        self.inventoryResolutions = inventoryResolutions
        self.gitListings = gitListings
        self.surveyLookups = surveyLookups
        self.logSearches = logSearches
        self.streamsPerUser = streamsPerUser
        self.surveyLookupTimeout = surveyLookupTimeout
    }
}
