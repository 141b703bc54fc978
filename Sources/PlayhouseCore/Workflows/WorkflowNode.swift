/// One node of a workflow: a job template to launch, an approval to wait for, or another
/// workflow to run inside this one.
public struct WorkflowNode: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case template, approval, workflow
    }

    /// When a node with several parents runs: as soon as one parent's edge fires, or
    /// once every parent's has.
    public enum Convergence: String, Sendable, Codable, CaseIterable {
        case any, all
    }

    /// Unique in its graph: letters, digits, `_`, `-` and `.`, at most 64.
    public var id: String
    public var kind: Kind
    /// For a template node: the template, by id or name.
    public var template: RecordReference?
    /// For a workflow node: the workflow it runs, by id or name.
    public var workflow: RecordReference?
    /// For a template node: launch fields the template prompts for, as in a launch's body.
    public var overrides: [String: JSONValue]?
    /// For an approval node: who may decide, and what happens when no one does.
    public var approval: ApprovalRule?
    public var convergence: Convergence

    public init(
        id: String, kind: Kind, template: RecordReference? = nil, workflow: RecordReference? = nil,
        overrides: [String: JSONValue]? = nil, approval: ApprovalRule? = nil, convergence: Convergence = .any
    ) {
        self.id = id
        self.kind = kind
        self.template = template
        self.workflow = workflow
        self.overrides = overrides
        self.approval = approval
        self.convergence = convergence
    }

    enum CodingKeys: String, CodingKey {
        case id, template, workflow, overrides, approval, convergence
        case kind = "type"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        kind = try container.decode(Kind.self, forKey: .kind)
        template = try container.decodeIfPresent(RecordReference.self, forKey: .template)
        workflow = try container.decodeIfPresent(RecordReference.self, forKey: .workflow)
        overrides = try container.decodeIfPresent([String: JSONValue].self, forKey: .overrides)
        approval = try container.decodeIfPresent(ApprovalRule.self, forKey: .approval)
        convergence = try container.decodeIfPresent(Convergence.self, forKey: .convergence) ?? .any
    }

    /// The node's own fields fit its kind.
    func validate() throws(ValidationError) {
        guard Self.isValidID(id) else {
            throw ValidationError("node id \"\(id.prefix(64))\" is not valid: use letters, digits, _, - and ., at most 64")
        }
        let fields: [(String, Bool)] = [
            ("template", template != nil), ("workflow", workflow != nil), ("approval", approval != nil),
            ("overrides", overrides != nil),
        ]
        let needed: Set<String> =
            switch kind {
            case .template: ["template", "overrides"]
            case .approval: ["approval"]
            case .workflow: ["workflow"]
            }
        if let extra = fields.first(where: { $0.1 && !needed.contains($0.0) }) {
            throw ValidationError("node \"\(id)\" is a \(kind.rawValue) node and cannot have \(extra.0)")
        }
        switch kind {
        case .template where template == nil:
            throw ValidationError("node \"\(id)\" is a template node and needs template (an id or a name)")
        case .workflow where workflow == nil:
            throw ValidationError("node \"\(id)\" is a workflow node and needs workflow (an id or a name)")
        case .approval:
            guard let approval else { throw ValidationError("node \"\(id)\" is an approval node and needs approval") }
            try approval.validate(node: id)
        default:
            break
        }
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "_-.".unicodeScalars.contains($0)
            }
    }
}

/// A record named by id (a number) or by name (text): files name templates by name, so
/// they read the same in every installation.
public enum RecordReference: Sendable, Hashable, Codable, CustomStringConvertible {
    case id(Int64)
    case name(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let id = try? container.decode(Int64.self) {
            self = .id(id)
        } else {
            self = .name(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .id(let id): try container.encode(id)
        case .name(let name): try container.encode(name)
        }
    }

    public var description: String {
        switch self {
        case .id(let id): "\(id)"
        case .name(let name): "\"\(name)\""
        }
    }
}

/// Who may decide an approval node, and how long it waits.
public struct ApprovalRule: Sendable, Equatable, Codable {
    /// What a decision, or a timeout, makes of the node.
    public enum Decision: String, Sendable, Codable, CaseIterable {
        case approve, deny
    }

    /// Users who may decide, by name.
    public var users: [String]
    /// Teams whose members may decide, by name.
    public var teams: [String]
    /// Seconds before ``onTimeout`` decides; nil waits for a person.
    public var timeout: Double?
    public var onTimeout: Decision
    /// What the approver is asked.
    public var message: String?

    /// The longest an approval may wait.
    public static let maxTimeout: Double = 30 * 24 * 3600

    public init(users: [String] = [], teams: [String] = [], timeout: Double? = nil, onTimeout: Decision = .deny, message: String? = nil) {
        self.users = users
        self.teams = teams
        self.timeout = timeout
        self.onTimeout = onTimeout
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case users, teams, timeout, message
        case onTimeout = "on_timeout"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        users = try container.decodeIfPresent([String].self, forKey: .users) ?? []
        teams = try container.decodeIfPresent([String].self, forKey: .teams) ?? []
        timeout = try container.decodeIfPresent(Double.self, forKey: .timeout)
        onTimeout = try container.decodeIfPresent(Decision.self, forKey: .onTimeout) ?? .deny
        message = try container.decodeIfPresent(String.self, forKey: .message)
    }

    /// A whole number of seconds is written as one (`600`, not `6e+2`): YAML 1.1 readers
    /// such as PyYAML read an exponent without a point as text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(users, forKey: .users)
        try container.encode(teams, forKey: .teams)
        if let timeout {
            if timeout.rounded() == timeout, let whole = Int(exactly: timeout) {
                try container.encode(whole, forKey: .timeout)
            } else {
                try container.encode(timeout, forKey: .timeout)
            }
        }
        try container.encode(onTimeout, forKey: .onTimeout)
        try container.encodeIfPresent(message, forKey: .message)
    }

    func validate(node: String) throws(ValidationError) {
        guard !users.isEmpty || !teams.isEmpty else {
            throw ValidationError("approval node \"\(node)\" names no one who may approve: give users or teams")
        }
        guard users.count + teams.count <= 100 else { throw ValidationError("approval node \"\(node)\" names more than 100 approvers") }
        if let timeout, !(timeout >= 1 && timeout <= Self.maxTimeout) {
            throw ValidationError("the timeout of approval node \"\(node)\" must be between 1 second and 30 days")
        }
        if let message, message.utf8.count > 4_096 {
            throw ValidationError("the message of approval node \"\(node)\" is longer than 4096 bytes")
        }
    }

    /// Whether `user`, a member of `memberOf`, is named.
    public func allows(user: String, memberOf: [String]) -> Bool {
        users.contains(user) || memberOf.contains(where: teams.contains)
    }
}
