/// What a schedule or a webhook launches: a job template or a workflow.
public enum LaunchTarget: Sendable, Hashable, CustomStringConvertible {
    case template(Int64)
    case workflow(Int64)

    /// "template 3", "workflow 4".
    public var description: String {
        switch self {
        case .template(let id): "template \(id)"
        case .workflow(let id): "workflow \(id)"
        }
    }
}
