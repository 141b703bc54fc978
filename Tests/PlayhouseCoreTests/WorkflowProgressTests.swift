import Foundation
import PlayhouseCore
import Testing

@Suite struct WorkflowProgressTests {
    func template(_ id: String, convergence: WorkflowNode.Convergence = .any) -> WorkflowNode {
        WorkflowNode(id: id, kind: .template, template: .id(1), convergence: convergence)
    }

    func graph(_ nodes: [WorkflowNode], _ edges: [WorkflowEdge]) -> WorkflowGraph {
        WorkflowGraph(WorkflowDefinition(nodes: nodes, edges: edges))
    }

    /// a → b, a → c, b → d, c → d, with d converging as given.
    func diamond(_ convergence: WorkflowNode.Convergence) -> WorkflowGraph {
        graph(
            [template("a"), template("b"), template("c"), template("d", convergence: convergence)],
            [.init(from: "a", to: "b"), .init(from: "a", to: "c"), .init(from: "b", to: "d"), .init(from: "c", to: "d")])
    }

    @Test func rootsStartFirstThenBranchesInParallel() {
        let diamond = diamond(.all)
        #expect(WorkflowProgress.next(diamond, states: [:], canceling: false).start == ["a"])
        let step = WorkflowProgress.next(diamond, states: ["a": .successful], canceling: false)
        #expect(step.start == ["b", "c"] && step.status == nil)
    }

    @Test func allWaitsForEveryParentAndAnyForTheFirst() {
        #expect(
            WorkflowProgress.next(diamond(.all), states: ["a": .successful, "b": .successful, "c": .running], canceling: false).start
                .isEmpty)
        #expect(
            WorkflowProgress.next(diamond(.all), states: ["a": .successful, "b": .successful, "c": .successful], canceling: false).start
                == ["d"])
        #expect(
            WorkflowProgress.next(diamond(.any), states: ["a": .successful, "b": .successful, "c": .running], canceling: false).start == [
                "d"
            ])
    }

    @Test func aDeadEdgeSkipsAnAllNodeAndTheWorkflowFails() {
        let step = WorkflowProgress.next(diamond(.all), states: ["a": .successful, "b": .failed, "c": .successful], canceling: false)
        #expect(step.skip == ["d"] && step.start.isEmpty)
        #expect(step.status == .failed, "b failed with no on_failure edge")
    }

    @Test func aHandledFailureRunsItsRollbackAndTheWorkflowSucceeds() {
        let routed = graph(
            [template("deploy"), template("smoke"), template("rollback")],
            [.init(from: "deploy", to: "smoke"), .init(from: "deploy", to: "rollback", on: .onFailure)])
        let step = WorkflowProgress.next(routed, states: ["deploy": .failed], canceling: false)
        #expect(step.start == ["rollback"] && step.skip == ["smoke"] && step.status == nil)
        let done = WorkflowProgress.next(routed, states: ["deploy": .failed, "rollback": .successful, "smoke": .skipped], canceling: false)
        #expect(done.status == .successful)
        let onSuccess = WorkflowProgress.next(routed, states: ["deploy": .successful, "smoke": .successful], canceling: false)
        #expect(onSuccess.skip == ["rollback"] && onSuccess.status == .successful)
    }

    @Test func skipsPropagateAndAlwaysFiresOnEitherOutcome() {
        let chain = graph(
            [template("a"), template("b"), template("c"), template("report")],
            [.init(from: "a", to: "b"), .init(from: "b", to: "c"), .init(from: "a", to: "report", on: .always)])
        let step = WorkflowProgress.next(chain, states: ["a": .failed], canceling: false)
        #expect(step.start == ["report"] && step.skip == ["b", "c"])
        let ended = WorkflowProgress.next(
            chain, states: ["a": .failed, "report": .successful, "b": .skipped, "c": .skipped], canceling: false)
        #expect(ended.status == .successful, "the always edge handles a's failure")
    }

    @Test func anUnhandledErrorEndsTheWorkflowInError() {
        let pair = graph([template("a"), template("b")], [])
        #expect(WorkflowProgress.next(pair, states: ["a": .error, "b": .failed], canceling: false).status == .error)
        #expect(WorkflowProgress.next(pair, states: ["a": .canceled, "b": .successful], canceling: false).status == .canceled)
        #expect(WorkflowProgress.next(pair, states: ["a": .running, "b": .failed], canceling: false).status == nil)
    }

    @Test func cancelingStartsNothingAndEndsOnceNothingRuns() {
        let diamond = diamond(.any)
        let step = WorkflowProgress.next(diamond, states: ["a": .successful, "b": .running], canceling: true)
        #expect(step.start.isEmpty && step.skip == ["c", "d"] && step.status == nil)
        #expect(
            WorkflowProgress.next(diamond, states: ["a": .successful, "b": .canceled, "c": .skipped, "d": .skipped], canceling: true).status
                == .canceled)
    }

    @Test func validationNamesTheCycleTheDanglingEdgeAndTheBadNode() {
        func message(_ definition: WorkflowDefinition) -> String? {
            do {
                try definition.validate()
                return nil
            } catch {
                return error.message
            }
        }
        let cycle = WorkflowDefinition(
            nodes: [template("a"), template("b"), template("c")],
            edges: [.init(from: "a", to: "b"), .init(from: "b", to: "c"), .init(from: "c", to: "b")])
        #expect(message(cycle) == "the graph has a cycle: b → c → b")
        let dangling = WorkflowDefinition(nodes: [template("a")], edges: [.init(from: "a", to: "ghost")])
        #expect(message(dangling)?.contains("names node \"ghost\", which is not in the graph") == true)
        #expect(message(WorkflowDefinition(nodes: [template("a"), template("a")]))?.contains("two nodes have the id \"a\"") == true)
        #expect(message(WorkflowDefinition(nodes: [WorkflowNode(id: "gate", kind: .approval)]))?.contains("needs approval") == true)
        #expect(
            message(WorkflowDefinition(nodes: [WorkflowNode(id: "gate", kind: .approval, approval: ApprovalRule())]))?
                .contains("names no one") == true)
        #expect(
            message(WorkflowDefinition(nodes: [WorkflowNode(id: "x y", kind: .template, template: .id(1))]))?.contains("not valid") == true)
        #expect(
            message(WorkflowDefinition(nodes: [template("a")], extraVars: ["ansible_ssh_common_args": .string("-o ProxyCommand=x")])) != nil
        )
        #expect(message(WorkflowDefinition(nodes: [])) == "a workflow needs at least one node")
        #expect(message(diamond(.all).definition) == nil)
    }

    @Test func theStoredFormReadsItsDefaults() throws {
        let json = """
            {"nodes": [{"id": "a", "type": "template", "template": "deploy"},
                       {"id": "gate", "type": "approval", "approval": {"users": ["ann"], "timeout": 60}}],
             "edges": [{"from": "a", "to": "gate"}]}
            """
        let definition = try JSONDecoder().decode(WorkflowDefinition.self, from: Data(json.utf8))
        #expect(definition.nodes[0].template == .name("deploy") && definition.nodes[0].convergence == .any)
        #expect(definition.edges == [WorkflowEdge(from: "a", to: "gate", on: .onSuccess)])
        #expect(definition.nodes[1].approval?.onTimeout == .deny && definition.nodes[1].approval?.timeout == 60)
        let again = try JSONDecoder().decode(WorkflowDefinition.self, from: try JSONEncoder().encode(definition))
        #expect(again == definition)
    }
}
