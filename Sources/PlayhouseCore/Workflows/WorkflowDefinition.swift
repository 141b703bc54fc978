/// A workflow template: templates, approvals and other workflows as the nodes of a
/// directed acyclic graph, joined by edges that fire on a node's outcome.
///
/// The stored form (`/api/v1/workflows`) and the file form (`workflows/*.yml` in a
/// project) are this one schema.
public struct WorkflowDefinition: Sendable, Equatable, Codable {
    public var description: String?
    public var nodes: [WorkflowNode]
    public var edges: [WorkflowEdge]
    /// Questions asked at launch; the answers reach every node as extra vars (data).
    public var survey: [SurveyQuestion]
    /// Extra vars an admin wrote into the workflow: every node gets them, as data.
    public var extraVars: [String: JSONValue]?
    /// What a launcher may set for the whole run (``WorkflowLaunch``): `extra_vars`,
    /// `limit`, `inventory`.
    public var prompts: [String]

    /// The fields ``prompts`` may name.
    public static let promptable = ["extra_vars", "inventory", "limit"]
    /// The most nodes a graph may hold.
    public static let maxNodes = 200
    /// The most edges a graph may hold.
    public static let maxEdges = 1_000

    public init(
        description: String? = nil, nodes: [WorkflowNode], edges: [WorkflowEdge] = [], survey: [SurveyQuestion] = [],
        extraVars: [String: JSONValue]? = nil, prompts: [String] = []
    ) {
        self.description = description
        self.nodes = nodes
        self.edges = edges
        self.survey = survey
        self.extraVars = extraVars
        self.prompts = prompts
    }

    enum CodingKeys: String, CodingKey {
        case description, nodes, edges, survey, prompts
        case extraVars = "extra_vars"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        nodes = try container.decode([WorkflowNode].self, forKey: .nodes)
        edges = try container.decodeIfPresent([WorkflowEdge].self, forKey: .edges) ?? []
        survey = try container.decodeIfPresent([SurveyQuestion].self, forKey: .survey) ?? []
        extraVars = try container.decodeIfPresent([String: JSONValue].self, forKey: .extraVars)
        prompts = try container.decodeIfPresent([String].self, forKey: .prompts) ?? []
    }

    /// The node with this id.
    public func node(_ id: String) -> WorkflowNode? {
        nodes.first { $0.id == id }
    }

    /// Checks what can be checked without the store: node ids, edges that name nodes of
    /// the graph, no cycle, each node's own fields, the survey and prompts. The error names
    /// the node or edge.
    public func validate() throws(ValidationError) {
        guard !nodes.isEmpty else { throw ValidationError("a workflow needs at least one node") }
        guard nodes.count <= Self.maxNodes else { throw ValidationError("a workflow holds at most \(Self.maxNodes) nodes") }
        guard edges.count <= Self.maxEdges else { throw ValidationError("a workflow holds at most \(Self.maxEdges) edges") }
        var ids = Set<String>()
        for node in nodes {
            try node.validate()
            guard ids.insert(node.id).inserted else { throw ValidationError("two nodes have the id \"\(node.id)\"") }
        }
        var pairs = Set<[String]>()
        for (index, edge) in edges.enumerated() {
            for end in [edge.from, edge.to] where !ids.contains(end) {
                throw ValidationError(
                    "edge \(index + 1) (\(edge.from.prefix(64)) → \(edge.to.prefix(64))) names node \"\(end.prefix(64))\", "
                        + "which is not in the graph")
            }
            guard edge.from != edge.to else { throw ValidationError("edge \(index + 1) goes from node \"\(edge.from)\" to itself") }
            guard pairs.insert([edge.from, edge.to]).inserted else {
                throw ValidationError("two edges go from node \"\(edge.from)\" to node \"\(edge.to)\"; keep one (always fires on both)")
            }
        }
        if let cycle = WorkflowGraph(self).cycle() {
            throw ValidationError("the graph has a cycle: \(cycle.joined(separator: " → "))")
        }
        if let unknown = prompts.first(where: { !Self.promptable.contains($0) }) {
            throw ValidationError("prompts may name \(Self.promptable.joined(separator: ", ")); not \"\(unknown.prefix(64))\"")
        }
        try LaunchValues.checkExtraVars(extraVars ?? [:])
        try LaunchValues.checkLauncherVariables((extraVars ?? [:]).keys, allowed: [])
        var asked = Set<String>()
        for question in survey {
            try question.validateDefinition()
            guard question.kind != .password else {
                throw ValidationError(
                    "survey question \(question.variable) asks for a password; a workflow passes its answers to every node "
                        + "as extra vars, so keep secrets in credentials")
            }
            guard question.choicesFrom == nil else {
                throw ValidationError("survey question \(question.variable) loads its choices; a workflow's survey lists them")
            }
            guard !LaunchValues.isReserved(question.variable) else {
                throw ValidationError("survey variable \(question.variable) is one Ansible uses to connect or execute")
            }
            guard asked.insert(question.variable).inserted else {
                throw ValidationError("the survey asks for \(question.variable) twice")
            }
        }
    }
}

/// An edge: when it fires, given how the node it leaves ended.
public struct WorkflowEdge: Sendable, Equatable, Hashable, Codable {
    public enum Condition: String, Sendable, Codable, CaseIterable {
        case onSuccess = "on_success"
        case onFailure = "on_failure"
        case always
    }

    public var from: String
    public var to: String
    public var on: Condition

    public init(from: String, to: String, on: Condition = .onSuccess) {
        self.from = from
        self.to = to
        self.on = on
    }

    enum CodingKeys: String, CodingKey {
        case from, to, on
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        from = try container.decode(String.self, forKey: .from)
        to = try container.decode(String.self, forKey: .to)
        on = try container.decodeIfPresent(Condition.self, forKey: .on) ?? .onSuccess
    }
}
