import Foundation
import PlayhouseCore
import PlayhouseTestSupport

/// A workflow node's end → its successor's `ansible-playbook` started. A chain of
/// one-task nodes runs one node at a time; the shim in place of `ansible-playbook` writes
/// bash's `$EPOCHREALTIME` as each process starts, in the chain's order, and each node's
/// end is its job's `finished_at` (both clocks of this machine).
struct WorkflowHandoff {
    let bench: BenchContext
    let nodes: Int
    let runs = 2

    func measure(into report: inout Report) async throws {
        var section = Report.Section(
            .workflow,
            method: "\(runs) runs of a chain of \(nodes) one-task template nodes, one node at a time. Handoff: from a node's job "
                + "ending (its `finished_at`) to the next node's `ansible-playbook` process starting. "
                + "Target: p50 ≤ 50 ms embedded, ≤ 100 ms over PostgreSQL with workers.",
            header: ["setup", "handoffs", "p50", "p99", "max", "target"])
        let shim = try StartShim.make(bench, name: "workflow")
        let embedded = try await BenchServer.with(
            bench, name: "workflow-sqlite", database: bench.scratch + "/workflow.sqlite", workers: 2, ansibleBin: shim.bin
        ) { server in
            try await runChains(server, shim: shim)
        }
        section.rows.append(row("embedded, SQLite (`serve --workers 2`)", embedded, target: 0.050))
        let fleet = try await BenchServer.withFleet(bench, name: "workflow", ansibleBin: shim.bin) { server, _ in
            try await runChains(server, shim: shim)
        }
        section.rows.append(row("PostgreSQL, `serve --workers 0` + `playhouse worker --capacity 2`", fleet, target: 0.100))
        report.sections.append(section)
    }

    private func row(_ name: String, _ handoffs: [Double], target: Double) -> [String] {
        let p50 = Stats.percentile(handoffs, 50)
        return [
            name, "\(handoffs.count)", Figure.ms(p50), Figure.ms(Stats.percentile(handoffs, 99)), Figure.ms(handoffs.max() ?? 0),
            Figure.verdict(p50 <= target),
        ]
    }

    /// Creates the chain's template and workflow, runs the chain `runs` times, and returns
    /// every handoff in seconds.
    private func runChains(_ server: BenchServer, shim: StartShim) async throws -> [Double] {
        let template = try await call(
            server, "POST", "/api/v1/templates",
            #"{"name":"noop","project":"bench","playbook":"noop.yml","inventory":"one-host","allow_concurrent":true}"#)
        let names = (1...nodes).map { "n\($0)" }
        let body = JSONValue.object([
            "name": .string("chain"),
            "nodes": .array(names.map { .object(["id": .string($0), "type": .string("template"), "template": template["id"] ?? .null]) }),
            "edges": .array(zip(names, names.dropFirst()).map { .object(["from": .string($0), "to": .string($1)]) }),
        ])
        let workflow = try await call(server, "POST", "/api/v1/workflows", body.jsonString())
        var handoffs: [Double] = []
        for _ in 0..<runs {
            shim.clear()
            let launched = try await call(server, "POST", "/api/v1/workflows/\(workflow["id"]?.intValue ?? 0)/launch")
            let id = launched["id"]?.intValue ?? 0
            var run = JSONValue.null
            while true {
                run = try await call(server, "GET", "/api/v1/workflow-jobs/\(id)")
                if run["status"]?.stringValue != "running" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            guard run["status"] == .string("successful"), case .array(let ran)? = run["nodes"] else {
                throw BenchError("workflow job \(id) ended \(run.jsonString())")
            }
            let started = shim.recorded().map(\.time)
            guard started.count == nodes else { throw BenchError("\(started.count) ansible-playbook starts for \(nodes) nodes") }
            for (index, node) in ran.dropLast().enumerated() {
                let job = try await server.job(Int64(node["job_id"]?.intValue ?? 0))
                guard let text = job["finished_at"]?.stringValue, let finished = try? Date(text, strategy: .iso8601) else {
                    throw BenchError("node \(index + 1)'s job has no finished_at: \(job.jsonString())")
                }
                handoffs.append(started[index + 1] - finished.timeIntervalSince1970)
            }
        }
        bench.log("workflow: \(handoffs.count) handoffs, p50 \(Figure.ms(Stats.percentile(handoffs, 50)))")
        return handoffs
    }

    private func call(_ server: BenchServer, _ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
        let (status, json) = try await RawHTTP.request(port: server.port, method, path, body: body)
        guard (200..<300).contains(status) else { throw BenchError("\(method) \(path) answered \(status): \(json.jsonString())") }
        return json
    }
}
