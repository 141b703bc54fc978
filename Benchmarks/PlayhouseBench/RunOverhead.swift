import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The same playbook run by plain `ansible-playbook`, through Playhouse (launch to final
/// state, followed over SSE like the job page does) and through ansible-runner (AWX's
/// engine, writing its event files), interleaved, medians compared.
struct RunOverhead {
    struct Scenario {
        var name: String
        var playbook: String
        var inventory: String
    }

    let bench: BenchContext
    let runs: Int

    func measure(_ scenarios: [Scenario], into report: inout Report) async throws {
        var section = Report.Section(
            .overhead,
            method: "Wall time of one whole run, median of \(runs) runs per way, the three ways interleaved "
                + "(the order rotates each round). Playhouse: `POST /api/v1/jobs` to the `end` event of the job's "
                + "SSE stream, `serve --workers 2`, SQLite. ansible-runner \(RunOverhead.runnerVersion(bench)): "
                + "`ansible-runner run DIR -p PLAYBOOK --inventory FILE`, its job event files included. Each run "
                + "gets a fresh SSH ControlPath folder, as Playhouse gives each job, and its ssh masters are stopped "
                + "after it, as Playhouse stops a job's, so no run reuses or competes with another's connections. "
                + "Target: b/a ≤ 1.03 and below c/a.",
            header: ["playbook", "(a) ansible-playbook", "(b) Playhouse", "(c) ansible-runner", "b/a", "c/a", "target"])
        try await BenchServer.with(bench, name: "overhead", database: bench.scratch + "/overhead.sqlite", workers: 2) { server in
            for scenario in scenarios {
                section.rows.append(try await measure(scenario, server: server))
            }
        }
        report.sections.append(section)
    }

    private func measure(_ scenario: Scenario, server: BenchServer) async throws -> [String] {
        var times: [String: [Double]] = ["a": [], "b": [], "c": []]
        let ways = ["a", "b", "c"]
        for round in 0..<runs {
            for offset in 0..<ways.count {
                let way = ways[(round + offset) % ways.count]
                let seconds: Double
                switch way {
                case "a": seconds = try await plain(scenario)
                case "b": seconds = try await playhouse(scenario, server: server)
                default: seconds = try await runner(scenario, round: round)
                }
                times[way, default: []].append(seconds)
                bench.log("overhead \(scenario.name) round \(round + 1) (\(way)): \(Figure.s(seconds))")
            }
        }
        let a = Stats.median(times["a"]!)
        let b = Stats.median(times["b"]!)
        let c = Stats.median(times["c"]!)
        return [
            scenario.name, Figure.s(a), Figure.s(b), Figure.s(c), Figure.ratio(b / a), Figure.ratio(c / a),
            Figure.verdict(b / a <= 1.03 && b / a < c / a),
        ]
    }

    private func plain(_ scenario: Scenario) async throws -> Double {
        try await timed(bench.ansibleBin + "/ansible-playbook", ["-i", scenario.inventory, scenario.playbook])
    }

    private func runner(_ scenario: Scenario, round: Int) async throws -> Double {
        let directory = bench.scratch + "/runner-\(scenario.name)-\(round)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory + "/project", withDestinationPath: bench.project)
        let seconds = try await timed(
            bench.ansibleBin + "/ansible-runner",
            ["run", directory, "-p", scenario.playbook, "--inventory", bench.project + "/" + scenario.inventory])
        let events =
            (try? FileManager.default.contentsOfDirectory(atPath: directory + "/artifacts"))?.first
            .flatMap { try? FileManager.default.contentsOfDirectory(atPath: directory + "/artifacts/\($0)/job_events") } ?? []
        guard !events.isEmpty else { throw BenchError("ansible-runner wrote no job events in \(directory)") }
        return seconds
    }

    private func playhouse(_ scenario: Scenario, server: BenchServer) async throws -> Double {
        let start = Stats.now()
        let id = try await server.launch(scenario.playbook, inventory: scenario.inventory)
        let client = SSEClient(server: server, jobID: id)
        client.start()
        let result = await client.join()
        let seconds = Stats.now() - start
        if let error = result.error { throw BenchError("following job \(id): \(error)") }
        let job = try await server.job(id)
        guard job["status"]?.stringValue == "successful" else {
            throw BenchError("Playhouse job \(id) of \(scenario.name) ended \(job.jsonString())")
        }
        return seconds
    }

    /// Runs a command in the project folder with output discarded, a fresh ControlPath
    /// folder, and returns its wall time; a failed run stops the benchmark. Afterwards its
    /// ssh ControlPersist masters are stopped, as Playhouse stops a job's, so no run
    /// leaves connections behind that the next one competes with.
    private func timed(_ executable: String, _ arguments: [String]) async throws -> Double {
        let controlPath = try TestPaths.scratch("cp")
        defer {
            for master in ProcessCheck.processes(containing: controlPath) { kill(master.pid, SIGTERM) }
            try? FileManager.default.removeItem(atPath: controlPath)
        }
        let path = bench.ansibleBin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let start = Stats.now()
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments),
            environment: .inherit.updating(["PATH": path, "ANSIBLE_SSH_CONTROL_PATH_DIR": controlPath]),
            workingDirectory: FilePath(bench.project), output: .discarded, error: .discarded)
        let seconds = Stats.now() - start
        guard result.terminationStatus.isSuccess else {
            throw BenchError("\(executable) \(arguments.joined(separator: " ")) failed: \(result.terminationStatus)")
        }
        return seconds
    }

    static func runnerVersion(_ bench: BenchContext) -> String {
        let metadata = (try? FileManager.default.contentsOfDirectory(atPath: bench.root + "/.venv/lib"))?.first
            .flatMap { try? FileManager.default.contentsOfDirectory(atPath: bench.root + "/.venv/lib/\($0)/site-packages") }?
            .first { $0.hasPrefix("ansible_runner-") && $0.hasSuffix(".dist-info") }
        return metadata.map { String($0.dropFirst("ansible_runner-".count).dropLast(".dist-info".count)) } ?? "?"
    }
}
