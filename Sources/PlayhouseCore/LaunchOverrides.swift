/// The launch fields a request set, with their values: laid over a template's defaults
/// (or over nothing, for a launch without a template). A field set to null clears it;
/// extra vars are merged over the base's.
public struct LaunchOverrides: Sendable, Equatable {
    /// The fields the request named.
    public private(set) var fields: Set<LaunchField> = []
    private var values = JobParameters(project: "", playbook: "", inventory: "")

    public init() {}

    /// Sets `field` (whose value lives at `keyPath` of the parameters) to `value`.
    public mutating func set<Value>(_ field: LaunchField, _ keyPath: WritableKeyPath<JobParameters, Value>, _ value: Value) {
        fields.insert(field)
        values[keyPath: keyPath] = value
    }

    /// `base` with every field of these overrides set.
    public func apply(to base: JobParameters) -> JobParameters {
        var parameters = base
        for field in fields {
            switch field {
            case .project: parameters.project = values.project
            case .playbook: parameters.playbook = values.playbook
            case .inventory: parameters.inventory = values.inventory
            case .credentials: parameters.credentials = values.credentials
            case .extraVars:
                if let vars = values.extraVars { parameters.extraVars = (parameters.extraVars ?? [:]).merging(vars) { $1 } }
            case .limit: parameters.limit = values.limit
            case .tags: parameters.tags = values.tags
            case .skipTags: parameters.skipTags = values.skipTags
            case .check: parameters.check = values.check
            case .diff: parameters.diff = values.diff
            case .verbosity: parameters.verbosity = values.verbosity
            case .forks: parameters.forks = values.forks
            case .timeout: parameters.timeout = values.timeout
            case .env: parameters.env = values.env
            case .slices: parameters.slices = values.slices
            case .priority: parameters.priority = values.priority
            case .workerGroup: parameters.workerGroup = values.workerGroup
            }
        }
        return parameters
    }
}
