/// The fields a launch may set, by their API names: the one list that the launch route,
/// the templates (what they may prompt for), the OpenAPI document and the page follow.
public enum LaunchField: String, CaseIterable, Sendable, Codable, Comparable {
    case project, playbook, inventory, credentials
    case extraVars = "extra_vars"
    case limit, tags
    case skipTags = "skip_tags"
    case check, diff, verbosity, forks, timeout, env, slices, priority
    case workerGroup = "worker_group"

    /// What a template may let its launcher change; what runs (project, playbook) and how
    /// it splits (slices) are the template's own.
    public static let promptable: [LaunchField] = allCases.filter { ![.project, .playbook, .slices].contains($0) }

    /// The API names of `fields`.
    public static func names(_ fields: [LaunchField]) -> [String] { fields.map(\.rawValue) }

    public static func < (lhs: LaunchField, rhs: LaunchField) -> Bool { lhs.rawValue < rhs.rawValue }
}
