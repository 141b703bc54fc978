/// Where a node of a workflow job is.
public enum WorkflowNodeState: String, Sendable, Codable, CaseIterable {
    /// Not started; it may still run, or be skipped.
    case pending
    /// Its job or nested workflow is queued or running.
    case running
    /// An approval waiting for a decision.
    case waiting
    case successful
    /// Its job failed, or its approval was denied.
    case failed
    case error
    case canceled
    /// It will never run: the edges into it did not fire.
    case skipped

    /// True once the node can no longer change.
    public var isFinal: Bool {
        switch self {
        case .pending, .running, .waiting: false
        case .successful, .failed, .error, .canceled, .skipped: true
        }
    }

    /// The state of a node whose job (or nested workflow job) is in `status`.
    public init(job status: JobStatus) {
        switch status {
        case .queued, .running: self = .running
        case .successful: self = .successful
        case .failed: self = .failed
        case .error: self = .error
        case .canceled: self = .canceled
        }
    }
}

/// The workflow state machine: given where every node is, which nodes start now, which
/// will never run, and whether (and how) the workflow job has ended.
public enum WorkflowProgress {
    /// What to do next.
    public struct Step: Sendable, Equatable {
        /// Nodes whose edges fired: start them.
        public var start: [String] = []
        /// Nodes that will never run.
        public var skip: [String] = []
        /// The workflow job's final status, once nothing can run any more.
        public var status: JobStatus?
    }

    /// The next step of `graph` with its nodes in `states` (a node missing is pending).
    /// While `canceling`, nothing starts and every pending node is skipped; the job ends
    /// `canceled` once nothing runs.
    public static func next(_ graph: WorkflowGraph, states given: [String: WorkflowNodeState], canceling: Bool) -> Step {
        var states = given
        var step = Step()
        for node in graph.topologicalOrder() where (states[node] ?? .pending) == .pending {
            if canceling {
                step.skip.append(node)
                states[node] = .skipped
                continue
            }
            let fired = graph.edges(into: node).map { edge in fires(edge, parent: states[edge.from] ?? .pending) }
            let convergence = graph.definition.node(node)?.convergence ?? .any
            let runs: Bool?
            switch convergence {
            case _ where fired.isEmpty: runs = true
            case .any: runs = fired.contains(true) ? true : fired.allSatisfy { $0 == false } ? false : nil
            case .all: runs = fired.contains(false) ? false : fired.allSatisfy { $0 == true } ? true : nil
            }
            switch runs {
            case true?:
                step.start.append(node)
                states[node] = .running
            case false?:
                step.skip.append(node)
                states[node] = .skipped
            case nil:
                break
            }
        }
        guard graph.definition.nodes.allSatisfy({ (states[$0.id] ?? .pending).isFinal }) else { return step }
        if canceling {
            step.status = .canceled
            return step
        }
        let unhandled = Set(
            graph.definition.nodes.map(\.id).compactMap { node -> WorkflowNodeState? in
                let state = states[node] ?? .pending
                guard [.failed, .error, .canceled].contains(state) else { return nil }
                let handled = graph.edges(outOf: node).contains { $0.on != .onSuccess }
                return handled ? nil : state
            })
        step.status =
            unhandled.contains(.error)
            ? .error : unhandled.contains(.failed) ? .failed : unhandled.contains(.canceled) ? .canceled : .successful
        return step
    }

    /// Whether `edge` fires with its parent in `parent`: true, false (it never will), or
    /// nil while the parent has not ended.
    static func fires(_ edge: WorkflowEdge, parent: WorkflowNodeState) -> Bool? {
        switch parent {
        case .pending, .running, .waiting: nil
        case .skipped: false
        case .successful: edge.on != .onFailure
        case .failed, .error, .canceled: edge.on != .onSuccess
        }
    }
}
