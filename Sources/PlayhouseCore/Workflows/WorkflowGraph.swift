/// A workflow's edges indexed both ways, for walks over the graph.
public struct WorkflowGraph: Sendable {
    public let definition: WorkflowDefinition
    private let incoming: [String: [WorkflowEdge]]
    private let outgoing: [String: [WorkflowEdge]]

    public init(_ definition: WorkflowDefinition) {
        self.definition = definition
        incoming = Dictionary(grouping: definition.edges, by: \.to)
        outgoing = Dictionary(grouping: definition.edges, by: \.from)
    }

    /// The edges that end at `node`.
    public func edges(into node: String) -> [WorkflowEdge] { incoming[node] ?? [] }

    /// The edges that leave `node`.
    public func edges(outOf node: String) -> [WorkflowEdge] { outgoing[node] ?? [] }

    /// Every node reachable from `nodes`, them included.
    public func descendants(of nodes: some Sequence<String>) -> Set<String> {
        var seen = Set<String>()
        var stack = Array(nodes)
        while let node = stack.popLast() {
            guard seen.insert(node).inserted else { continue }
            stack.append(contentsOf: edges(outOf: node).map(\.to))
        }
        return seen
    }

    /// The nodes, each after every node with an edge into it (Kahn's order, ties in the
    /// order the definition lists them); nodes on a cycle are left out.
    public func topologicalOrder() -> [String] {
        var remaining = Dictionary(uniqueKeysWithValues: definition.nodes.map { ($0.id, edges(into: $0.id).count) })
        var ready = definition.nodes.map(\.id).filter { remaining[$0] == 0 }
        var order: [String] = []
        var next = 0
        while next < ready.count {
            let node = ready[next]
            next += 1
            order.append(node)
            for edge in edges(outOf: node) {
                remaining[edge.to, default: 0] -= 1
                if remaining[edge.to] == 0 { ready.append(edge.to) }
            }
        }
        return order
    }

    /// A cycle as the nodes along it (the first repeated at the end), or nil.
    public func cycle() -> [String]? {
        let ordered = Set(topologicalOrder())
        guard let start = definition.nodes.map(\.id).first(where: { !ordered.contains($0) }) else { return nil }
        // Every node left out has a parent left out: walk parents until one repeats.
        var path = [start]
        var seenAt = [start: 0]
        var node = start
        while let parent = edges(into: node).map(\.from).first(where: { !ordered.contains($0) }) {
            if let index = seenAt[parent] { return Array((path[index...] + [parent]).reversed()) }
            seenAt[parent] = path.count
            path.append(parent)
            node = parent
        }
        return path
    }
}
