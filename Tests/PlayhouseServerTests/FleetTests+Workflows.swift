import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Workflows on a fleet over real PostgreSQL: two `playhouse serve --workers 0` processes
/// whose conductors race for every step, and three `playhouse worker` processes, all
/// killed with SIGKILL between nodes and started again. One of ``FleetTests``, whose
/// fleets run one at a time: two at once on 2 cores starve the workers' heartbeats.
extension FleetTests {
    @Test func everyNodeRunsExactlyOnceWithTwoConductorsRacingAndEveryProcessKilledBetweenNodes() async throws {
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n",
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        let scratch = try TestPaths.scratch("workflow-fleet")
        try await TestPostgres.with { url in
            let ports = [try Loopback.freePort(), try Loopback.freePort()]
            func web(_ index: Int) throws -> PlayhouseProcess {
                try PlayhouseProcess.serve(
                    port: ports[index], database: url, projects: projects, runs: scratch + "/runs-web\(index)",
                    log: scratch + "/web\(index).log", extra: ["--workers", "0", "--worker-lost-after", "3"])
            }
            func worker(_ name: String) throws -> PlayhouseProcess {
                try PlayhouseProcess(
                    [
                        "worker", "--database", url, "--name", name, "--capacity", "2", "--projects", projects,
                        "--runs-dir", scratch + "/runs-\(name)", "--worker-lost-after", "3",
                    ],
                    log: scratch + "/\(name).log")
            }
            var processes = [try web(0), try web(1)]
            defer { for process in processes { kill(process.process.processIdentifier, SIGKILL) } }
            for process in processes { try await process.waitUntilReady() }
            for name in ["w1", "w2", "w3"] { processes.append(try worker(name)) }
            let port = ports[0]
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
                let answer = try await RawHTTP.request(port: port, method, path, body: body)
                guard (200..<300).contains(answer.status) else { throw TestFailure("\(method) \(path): \(answer.json.jsonString())") }
                return answer.json
            }
            _ = try await call(
                "POST", "/api/v1/templates",
                #"{"name":"hello","project":"p","playbook":"hello.yml","inventory":"hosts.ini","allow_concurrent":true}"#)
            let leaves = (1...6).map { "leaf\($0)" }
            let nodes =
                ["root"].map { #"{"id":"\#($0)","type":"template","template":"hello"}"# }
                + leaves.map { #"{"id":"\#($0)","type":"template","template":"hello"}"# }
                + [
                    #"{"id":"join","type":"template","template":"hello","convergence":"all"}"#,
                    #"{"id":"gate","type":"approval","approval":{"users":["admin"]}}"#,
                    #"{"id":"final","type":"template","template":"hello"}"#,
                ]
            let edges =
                leaves.map { #"{"from":"root","to":"\#($0)"}"# } + leaves.map { #"{"from":"\#($0)","to":"join"}"# }
                + [#"{"from":"join","to":"gate"}"#, #"{"from":"gate","to":"final"}"#]
            let workflow = try await call(
                "POST", "/api/v1/workflows",
                #"{"name":"fan","nodes":[\#(nodes.joined(separator: ","))],"edges":[\#(edges.joined(separator: ","))]}"#)
            let workflowID = try #require(workflow["id"]?.intValue)
            var runs: [Int] = []
            for _ in 0..<3 { runs.append(try #require(try await call("POST", "/api/v1/workflows/\(workflowID)/launch")["id"]?.intValue)) }

            func waitForRun(_ id: Int, _ condition: (JSONValue) -> Bool) async throws -> JSONValue {
                let deadline = ContinuousClock.now + .seconds(240)
                var last = JSONValue.null
                while ContinuousClock.now < deadline {
                    last = (try? await RawHTTP.request(port: port, "GET", "/api/v1/workflow-jobs/\(id)").json) ?? .null
                    if condition(last) { return last }
                    try await Task.sleep(for: .milliseconds(200))
                }
                throw TestFailure("workflow job \(id) never got there: \(last.jsonString())")
            }
            var approvals: [Int] = []
            for run in runs {
                let waiting = try await waitForRun(run) { WorkflowTests.state($0, "gate") == "waiting" }
                approvals.append(try #require(WorkflowTests.node(waiting, "gate")["id"]?.intValue))
            }

            // Between nodes: everything is killed at once and started again.
            for process in processes { await process.crash() }
            processes = [try web(0), try web(1)]
            for process in processes { try await process.waitUntilReady() }
            for name in ["w1", "w2", "w3"] { processes.append(try worker(name)) }
            for approval in approvals { _ = try await call("POST", "/api/v1/approvals/\(approval)/approve") }
            for run in runs {
                let ended = try await waitForRun(run) { JobStatus(rawValue: $0["status"]?.stringValue ?? "")?.isFinal == true }
                #expect(ended["status"] == .string("successful"), "\(ended.jsonString())")
            }

            try await Store.withPostgres(url: url, logger: Logger(label: "check")) { store in
                var filter = JobFilter()
                filter.projects = nil
                let jobs = try await store.jobs.list(filter, limit: 1_000)
                #expect(jobs.count == runs.count * 9, "9 template nodes per run, each launched once: \(jobs.count) jobs")
                let nodes = jobs.compactMap(\.parameters.workflowNodeID)
                #expect(Set(nodes).count == nodes.count, "no node launched two jobs")
                for job in jobs {
                    #expect(job.status == .successful, "job \(job.id): \(job.error ?? "")")
                    let starts = try await store.events.list(of: job.id, limit: 1000).filter { $0.type == .playbookStart }
                    #expect(starts.count == 1, "job \(job.id) ran exactly once")
                }
                for run in runs {
                    for node in try await store.workflows.nodes(of: Int64(run)) where node.node != "gate" {
                        let launched = try await store.jobs.launched(byNode: node.id)
                        #expect(
                            launched != nil && launched?.id == node.jobID, "node \(node.node) of run \(run) records the job it launched")
                    }
                }
            }
            for process in processes { await process.stop() }
        }
    }
}
