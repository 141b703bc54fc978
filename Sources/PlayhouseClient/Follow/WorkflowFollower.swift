import Foundation
import OpenAPIRuntime

/// Prints a workflow run as its nodes move (one line each time a node's state changes,
/// with the job it launched), from its stream, until the `end` frame. Every frame carries
/// the whole run, so a dropped connection is simply reopened.
struct WorkflowFollower {
    var settings: ClientSettings
    var workflowJobID: Int
    var write: (String) -> Void

    /// Follows the run to its end; returns its final status.
    func follow() async throws -> String {
        let client = try API.client(settings, lifetime: API.streamLifetime)
        var seen: [String: String] = [:]
        return try await StreamRetry.untilEnd(
            of: "workflow job #\(workflowJobID)", hint: "the run goes on; see it with `playhouse workflows show \(workflowJobID)`"
        ) { failures in
            try await stream(client, seen: &seen, failures: &failures)
        }
    }

    private func stream(_ client: Client, seen: inout [String: String], failures: inout Int) async throws -> String? {
        let response = try await API.call(settings.url) { try await client.streamWorkflowJob(path: .init(id: workflowJobID)) }
        for try await frame in try response.ok.body.textEventStream.asDecodedServerSentEvents() {
            failures = 0
            let data = Data((frame.data ?? "").utf8)
            switch frame.event {
            case "workflow":
                let run = try JobFollower.decoder.decode(Components.Schemas.WorkflowJob.self, from: data)
                for node in run.nodes {
                    let line = Self.describe(node)
                    guard seen[node.node] != line else { continue }
                    seen[node.node] = line
                    write(line + "\n")
                }
            case "end":
                struct End: Decodable { var status: String }
                return try JSONDecoder().decode(End.self, from: data).status
            default:
                continue
            }
        }
        return nil
    }

    /// `deploy: running (job #14 running)`.
    static func describe(_ node: Components.Schemas.WorkflowNodeRun) -> String {
        var parts = ["\(node.node): \(node.state.rawValue)"]
        if let job = node.jobId { parts.append("(job #\(job)\(node.jobStatus.map { " \($0.rawValue)" } ?? ""))") }
        if let child = node.childId { parts.append("(workflow job #\(child))") }
        if let decision = node.decision { parts.append("(\(decision.rawValue) by \(node.decidedBy ?? "no one"))") }
        if let message = node.message, !message.isEmpty { parts.append("— \(message)") }
        return parts.joined(separator: " ")
    }
}
