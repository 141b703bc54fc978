import HTTPTypes
import PlayhouseCore

/// `{"name", "description", "nodes", "edges", "survey", "extra_vars", "prompts"}`: a
/// workflow to save. The graph's rules are checked by ``WorkflowService``.
struct WorkflowRequest: Decodable {
    var name: String
    var definition: WorkflowDefinition

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, nodes, edges, survey, prompts
        case extraVars = "extra_vars"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeLabel(forKey: .name)
        let nodes = try container.decode(Items<WorkflowNode>.self, forKey: .nodes)
        let edges = try container.decodeIfPresent(Items<WorkflowEdge>.self, forKey: .edges)
        definition = WorkflowDefinition(
            description: try container.decodeIfPresent(String.self, forKey: .description),
            nodes: nodes.items, edges: edges?.items ?? [],
            survey: try container.decodeIfPresent(TemplateRequest.Survey.self, forKey: .survey)?.questions ?? [],
            extraVars: try container.decodeIfPresent(ExtraVars.self, forKey: .extraVars)?.variables,
            prompts: try container.decodeIfPresent(NameList.self, forKey: .prompts)?.names ?? [])
    }

    /// Nodes or edges, each decoded alone so that a bad one is named by its place.
    struct Items<Item: Decodable & Sendable>: Decodable {
        var items: [Item] = []

        init(from decoder: any Decoder) throws {
            let what = Item.self == WorkflowNode.self ? "node" : "edge"
            guard var list = try? decoder.unkeyedContainer() else {
                throw DecodingError.expected("a list of \(what)s", at: decoder.codingPath)
            }
            guard (list.count ?? 0) <= WorkflowDefinition.maxEdges else {
                throw APIError(.badRequest, "a workflow holds at most \(WorkflowDefinition.maxEdges) \(what)s")
            }
            while !list.isAtEnd {
                let number = list.currentIndex + 1
                do {
                    items.append(try list.decode(Item.self))
                } catch let error as DecodingError {
                    let needs =
                        what == "node"
                        ? "each node needs id and type (template, approval, workflow)"
                        : "each edge needs from and to, and on (on_success, on_failure, always)"
                    throw APIError(
                        .badRequest, "\(what) \(number) is not valid",
                        detail: "\(needs); \(TemplateRequest.Survey.describe(error, in: decoder))")
                }
            }
        }
    }
}

/// `{"extra_vars", "limit", "inventory", "survey": {variable: answer}}`, all optional: a
/// workflow's launch; the fields must be among the workflow's prompts.
struct WorkflowLaunchRequest: EmptyBodyDecodable {
    var input = WorkflowService.Input()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case limit, inventory, survey
        case extraVars = "extra_vars"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.extraVars) {
            input.fields.insert("extra_vars")
            input.launch.extraVars = try container.decodeIfPresent(ExtraVars.self, forKey: .extraVars)?.variables
        }
        if container.contains(.limit) {
            input.fields.insert("limit")
            input.launch.limit = try container.decodeIfPresent(String.self, forKey: .limit).flatMap { $0.isEmpty ? nil : $0 }
            if let limit = input.launch.limit { try LaunchValues.checkLimit(limit) }
        }
        if container.contains(.inventory) {
            input.fields.insert("inventory")
            input.launch.inventory = try container.decodeIfPresent(InventoryPathOrID.self, forKey: .inventory)?.text
        }
        switch try container.decodeIfPresent(JSONValue.self, forKey: .survey) {
        case nil: break
        case .object(let given)?: input.answers = given
        default: throw DecodingError.expected("an object of answers by variable name", at: [CodingKeys.survey])
        }
    }
}
