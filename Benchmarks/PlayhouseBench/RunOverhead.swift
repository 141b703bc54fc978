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
                section.notes.append(serverCost(scenario))
            }
        }
        if let local = scenarios.first { section.notes.append(try await callbackCost(local)) }
        report.sections.append(section)
    }

    /// The server's own CPU (its threads, not Ansible's processes) per stored event, median
    /// over the Playhouse runs of `scenario`.
    private func serverCost(_ scenario: Scenario) -> String {
        let perEvent = Stats.median(costs[scenario.name] ?? [])
        return "Server CPU per stored event, \(scenario.name): \(String(format: "%.1f µs", perEvent * 1_000_000)) "
            + "(the `serve` process's user + system time over the run, divided by the job's events; target ≤ 30 µs): "
            + Figure.verdict(perEvent <= 30e-6)
    }

    /// The callback plugin's share of `ansible-playbook`'s CPU: the same run with the
    /// plugin writing its events to `/dev/null` and without it, interleaved, medians.
    private func callbackCost(_ scenario: Scenario) async throws -> String {
        let plugin = [
            "ANSIBLE_CALLBACK_PLUGINS": bench.root + "/Sources/PlayhouseEngine/Resources/callback_plugins",
            "ANSIBLE_CALLBACKS_ENABLED": "playhouse", "PLAYHOUSE_EVENTS_PATH": "/dev/null",
        ]
        var with: [Double] = []
        var without: [Double] = []
        for round in 0..<runs {
            for way in round % 2 == 0 ? [true, false] : [false, true] {
                let cpu = try await childCPU { _ = try await plain(scenario, environment: way ? plugin : [:]) }
                if way { with.append(cpu) } else { without.append(cpu) }
            }
        }
        let share = Stats.median(with) / Stats.median(without) - 1
        return "Callback plugin's cost, \(scenario.name): \(String(format: "%.1f %%", share * 100)) of `ansible-playbook`'s CPU "
            + "(\(Figure.s(Stats.median(with))) with it, \(Figure.s(Stats.median(without))) without, its processes' user + system "
            + "time, median of \(runs); target ≤ 1 %): " + Figure.verdict(share <= 0.01)
    }

    /// CPU seconds (user + system) of the child processes `body` runs and waits for.
    private func childCPU(_ body: () async throws -> Void) async throws -> Double {
        func seconds() -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
        }
        let before = seconds()
        try await body()
        return seconds() - before
    }

    /// The server's CPU per event of each Playhouse run, by scenario.
    private var costs: [String: [Double]] { costBox.values }
    private let costBox = CostBox()

    private func measure(_ scenario: Scenario, server: BenchServer) async throws -> [String] {
        var times: [String: [Double]] = ["a": [], "b": [], "c": []]
        let ways = ["a", "b", "c"]
        for round in 0..<runs {
            for offset in 0..<ways.count {
                let way = ways[(round + offset) % ways.count]
                let seconds: Double
                switch way {
                case "a": seconds = try await plain(scenario)
                case "b":
                    let cpuBefore = server.cpuSeconds
                    let (wall, events) = try await playhouse(scenario, server: server)
                    seconds = wall
                    costBox.add((server.cpuSeconds - cpuBefore) / Double(max(1, events)), to: scenario.name)
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

    private func plain(_ scenario: Scenario, environment: [String: String] = [:]) async throws -> Double {
        try await timed(bench.ansibleBin + "/ansible-playbook", ["-i", scenario.inventory, scenario.playbook], environment: environment)
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

    /// The run's wall time and how many events it stored.
    private func playhouse(_ scenario: Scenario, server: BenchServer) async throws -> (Double, Int) {
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
        return (seconds, job["events"]?.intValue ?? 0)
    }

    /// Runs a command in the project folder with output discarded, a fresh ControlPath
    /// folder, and returns its wall time; a failed run stops the benchmark. Afterwards its
    /// ssh ControlPersist masters are stopped, as Playhouse stops a job's, so no run
    /// leaves connections behind that the next one competes with.
    private func timed(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Double {
        let controlPath = try TestPaths.scratch("cp")
        defer {
            for master in ProcessCheck.processes(containing: controlPath) { kill(master.pid, SIGTERM) }
            try? FileManager.default.removeItem(atPath: controlPath)
        }
        let path = bench.ansibleBin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let start = Stats.now()
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments),
            environment: .inherit.updating(
                environment.reduce(into: ["PATH": path, "ANSIBLE_SSH_CONTROL_PATH_DIR": controlPath]) {
                    $0[.init(rawValue: $1.key)!] = $1.value
                }),
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

/// Figures gathered while the benchmark runs, by scenario.
final class CostBox: @unchecked Sendable {
    private var byName: [String: [Double]] = [:]
    private let lock = NSLock()

    var values: [String: [Double]] { lock.withLock { byName } }

    func add(_ value: Double, to name: String) {
        lock.withLock { byName[name, default: []].append(value) }
    }
}
