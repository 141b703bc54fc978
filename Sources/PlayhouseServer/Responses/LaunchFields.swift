import PlayhouseCore

/// The launch parameters as the API shows them, the same in a job and in a template: flat,
/// with Ansible's defaults filled in, and the names of env variables but not their values
/// (those may be tokens for an inventory source).
struct LaunchFields: Encodable, Sendable {
    var project: String
    var playbook: String
    var inventory: String
    /// Ids of the stored credentials the run uses.
    var credentials: [Int64]
    @ExplicitNull var limit: String?
    @ExplicitNull var tags: [String]?
    @ExplicitNull var skipTags: [String]?
    var check: Bool
    var diff: Bool
    var verbosity: Int
    @ExplicitNull var forks: Int?
    @ExplicitNull var timeout: Double?
    var envNames: [String]
    var priority: Int
    @ExplicitNull var workerGroup: String?

    init(_ parameters: JobParameters) {
        project = parameters.project
        playbook = parameters.playbook
        inventory = parameters.inventory
        credentials = parameters.credentials ?? []
        limit = parameters.limit
        tags = parameters.tags
        skipTags = parameters.skipTags
        check = parameters.check ?? false
        diff = parameters.diff ?? false
        verbosity = parameters.verbosity ?? 0
        forks = parameters.forks
        timeout = parameters.timeout
        envNames = (parameters.env ?? [:]).keys.sorted()
        priority = parameters.priority ?? 0
        workerGroup = parameters.workerGroup
    }

    enum CodingKeys: String, CodingKey {
        case project, playbook, inventory, credentials, limit, tags, check, diff, verbosity, forks, timeout, priority
        case skipTags = "skip_tags"
        case envNames = "env_names"
        case workerGroup = "worker_group"
    }
}
