import PlayhouseCore
import PlayhouseStore

extension WorkflowService {
    /// Checks a graph against the store: every template and nested workflow it names
    /// exists, each node sets only what its template prompts for, and nested workflows
    /// neither nest too deep nor run `saving` (the workflow being saved) again. Returns the
    /// graph as it is stored: extra vars sent as YAML text become the mapping they hold.
    @discardableResult
    func check(_ definition: WorkflowDefinition, saving: Int64?) async throws -> WorkflowDefinition {
        try definition.validate()
        var checked = definition
        for (index, node) in definition.nodes.enumerated() {
            switch node.kind {
            case .template:
                guard let reference = node.template, let template = try await template(reference) else {
                    throw DomainError(
                        .invalid, "node \"\(node.id)\" runs template \(node.template?.description ?? "?"), which does not exist",
                        detail: "list templates with GET /api/v1/templates")
                }
                let overrides = try Self.overrides(of: node)
                if let fixed = overrides.fields.sorted().first(where: { !template.definition.prompts.contains($0.rawValue) }) {
                    throw DomainError(
                        .invalid, "node \"\(node.id)\" sets \(fixed.rawValue), which template \"\(template.name)\" fixes",
                        detail: template.definition.prompts.isEmpty
                            ? "the template prompts for nothing" : "it prompts for \(template.definition.prompts.joined(separator: ", "))")
                }
                if case .string? = node.overrides?[LaunchField.extraVars.rawValue] {
                    let variables = overrides.apply(to: JobParameters(project: "", playbook: "", inventory: "")).extraVars
                    checked.nodes[index].overrides?[LaunchField.extraVars.rawValue] = variables.map(JSONValue.object) ?? .object([:])
                }
            case .workflow:
                guard let reference = node.workflow, let nested = try await workflow(reference) else {
                    throw DomainError(
                        .invalid, "node \"\(node.id)\" runs workflow \(node.workflow?.description ?? "?"), which does not exist",
                        detail: "list workflows with GET /api/v1/workflows")
                }
                try await checkNesting(nested, under: node.id, saving: saving, path: [], depth: 1)
            case .approval:
                break
            }
        }
        return checked
    }

    /// The launch fields a template node sets, decoded as a launch body is.
    static func overrides(of node: WorkflowNode) throws -> LaunchOverrides {
        guard let given = node.overrides else { return LaunchOverrides() }
        do {
            return try RequestBodyDecoder.decode(LaunchRequest.self, from: given).overrides
        } catch let error as APIError {
            throw DomainError(
                .invalid, "the overrides of node \"\(node.id)\" are not valid",
                detail: error.summary)
        }
    }

    private func checkNesting(_ workflow: Workflow, under node: String, saving: Int64?, path: [Int64], depth: Int) async throws {
        if workflow.id == saving || path.contains(workflow.id) {
            throw DomainError(
                .invalid, "node \"\(node)\" runs workflow \"\(workflow.name)\", which runs it again",
                detail: "workflows cannot nest in a cycle")
        }
        guard depth <= WorkflowJob.maxDepth else {
            throw DomainError(
                .invalid, "node \"\(node)\" nests workflows more than \(WorkflowJob.maxDepth) deep", detail: "flatten the graph")
        }
        for inner in workflow.definition.nodes where inner.kind == .workflow {
            guard let reference = inner.workflow, let nested = try await self.workflow(reference) else { continue }
            try await checkNesting(nested, under: node, saving: saving, path: path + [workflow.id], depth: depth + 1)
        }
    }

    /// Whether `identity` may run every template of the graph, nested workflows included,
    /// with the run's limit and inventory where the templates prompt for them.
    func checkLaunchable(_ definition: WorkflowDefinition, launch: WorkflowLaunch, by identity: Identity, depth: Int) async throws {
        guard depth <= WorkflowJob.maxDepth else {
            throw DomainError(.invalid, "workflows nest more than \(WorkflowJob.maxDepth) deep", detail: "flatten the graph")
        }
        for node in definition.nodes {
            switch node.kind {
            case .template:
                guard let reference = node.template, let template = try await template(reference) else {
                    throw DomainError(.invalid, "node \"\(node.id)\" runs a template that does not exist")
                }
                let overrides = try Self.overrides(of: node, in: template, launch: launch)
                try dependencies.launches.checkGrants(overrides.apply(to: template.definition.launchBase), identity)
            case .workflow:
                guard let reference = node.workflow, let nested = try await workflow(reference) else {
                    throw DomainError(.invalid, "node \"\(node.id)\" runs a workflow that does not exist")
                }
                try await checkLaunchable(nested.definition, launch: launch, by: identity, depth: depth + 1)
            case .approval:
                break
            }
        }
    }

    /// A template node's overrides, with the run's limit and inventory for a template
    /// that prompts for them and a node that does not set them itself.
    static func overrides(of node: WorkflowNode, in template: JobTemplate, launch: WorkflowLaunch) throws -> LaunchOverrides {
        var overrides = try overrides(of: node)
        let prompts = template.definition.prompts
        if let limit = launch.limit, prompts.contains(LaunchField.limit.rawValue), !overrides.fields.contains(.limit) {
            overrides.set(.limit, \.limit, limit)
        }
        if let inventory = launch.inventory, prompts.contains(LaunchField.inventory.rawValue), !overrides.fields.contains(.inventory) {
            overrides.set(.inventory, \.inventory, inventory)
        }
        return overrides
    }
}
