import ArgumentParser
import Foundation
import PlayhouseTestSupport
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// `playhouse-bench`: measures Playhouse against plain `ansible-playbook` on this machine
/// and writes BENCHMARKS.md. `make bench` builds it in release mode and runs it.
@main
struct PlayhouseBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playhouse-bench",
        abstract: "Benchmark Playhouse against plain ansible-playbook and write BENCHMARKS.md.")

    @Option(help: "Where the report goes.")
    var output = "BENCHMARKS.md"

    @Option(help: "Runs per way in the run overhead benchmark.")
    var runs = 5

    @Option(help: "Rounds per way in the first task benchmark.")
    var firstTaskRounds = 10

    @Option(help: "Launches in the dispatch benchmark.")
    var launches = 200

    @Option(help: "Nodes of the chain in the workflow handoff benchmark.")
    var workflowNodes = 21

    @Option(help: "Rounds of the git checkout benchmark (cold, warm and plain each).")
    var gitRounds = 5

    @Option(help: "SSE clients attached in the event pipeline benchmark.")
    var clients = 50

    @Option(help: "Jobs at once in the event pipeline benchmark.")
    var eventJobs = 4

    @Option(help: "Times each replay job repeats the recorded run's task events.")
    var replayRepeat = 12

    @Option(help: "Events per second, over all jobs, of the paced replay.")
    var pacedRate = 10_000

    @Option(help: "Jobs in the large store of the growth benchmark (100 events each).")
    var growthJobs = 100_000

    @Option(help: "Log lines of the finished job in the job page benchmark.")
    var pageLines = 1_000_000

    @Option(help: "Events of the finished job in the job page benchmark.")
    var pageEvents = 300_000

    @Option(help: "Loop items of the live job in the job page benchmark.")
    var pageLiveItems = 5_000

    @Option(help: "Comma-separated benchmarks to run: \(Self.all). The others' sections are carried over from the existing report.")
    var only = Self.all

    private static var all: String { Benchmark.allCases.map(\.rawValue).joined(separator: ",") }

    func validate() throws {
        let unknown = names.filter { Benchmark(rawValue: $0) == nil }
        guard unknown.isEmpty else { throw ValidationError("unknown benchmark \(unknown.joined(separator: ", "))") }
        guard runs >= 1, firstTaskRounds >= 1, launches >= 1, clients >= 1, eventJobs >= 1, replayRepeat >= 1, pacedRate >= 1,
            workflowNodes >= 2, gitRounds >= 1, growthJobs >= 1_000, pageLines >= 10_000, pageEvents >= 1_000, pageLiveItems >= 1
        else {
            throw ValidationError(
                "counts must be at least 1 (--workflow-nodes at least 2, --growth-jobs 1000, --page-lines 10000, --page-events 1000)")
        }
    }

    private var names: [String] { only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func run() async throws {
        // The run is named by when it started; carried-over sections name theirs the same way.
        let date = Report.date()
        let bench = try BenchContext.make()
        defer { try? FileManager.default.removeItem(atPath: bench.scratch) }
        try writeProject(bench)
        var report = Report()
        report.commands = [
            "make bench",
            CommandLine.arguments.map {
                URL(fileURLWithPath: $0).lastPathComponent == "playhouse-bench" ? ".build/release/playhouse-bench" : $0
            }.joined(separator: " "),
        ]
        let chosen = Set(names.compactMap(Benchmark.init(rawValue:)))
        if chosen.contains(.overhead) {
            try await withSSHTestHosts(count: 10) { hosts in
                try bench.write("ssh-hosts", hosts.inventory())
                try await RunOverhead(bench: bench, runs: runs).measure(
                    [
                        .init(name: "50 `debug` tasks × 20 hosts, local", playbook: "quick.yml", inventory: "local-hosts-20"),
                        .init(name: "10 `command` tasks × 10 hosts, SSH", playbook: "ssh.yml", inventory: "ssh-hosts"),
                    ], into: &report)
            }
        }
        if chosen.contains(.dispatch) {
            try await DispatchLatency(bench: bench, launches: launches).measure(into: &report)
        }
        if chosen.contains(.firsttask) {
            try await FirstTask(bench: bench, rounds: firstTaskRounds).measure(into: &report)
        }
        if chosen.contains(.workflow) {
            try await WorkflowHandoff(bench: bench, nodes: workflowNodes).measure(into: &report)
        }
        if chosen.contains(.git) {
            try await GitCheckoutCache(bench: bench, rounds: gitRounds).measure(into: &report)
        }
        if chosen.contains(.events) {
            try await EventPipeline(bench: bench, clients: clients, jobs: eventJobs, replayRepeat: replayRepeat, pacedRate: pacedRate)
                .measure(into: &report)
        }
        if chosen.contains(.api) {
            try await APILoad(bench: bench).measure(into: &report)
        }
        if chosen.contains(.growth) {
            try await Growth(bench: bench, jobs: growthJobs).measure(into: &report)
        }
        if chosen.contains(.page) {
            try await JobPage(bench: bench, lines: pageLines, events: pageEvents, liveItems: pageLiveItems).measure(into: &report)
        }
        let analysis = (try? String(contentsOfFile: bench.root + "/Benchmarks/ANALYSIS.md", encoding: .utf8)) ?? ""
        // Read now, not at the start: the file may have been edited while the benchmarks ran.
        let previous = (try? String(contentsOfFile: output, encoding: .utf8)).flatMap(PreviousReport.init(markdown:))
        let text = report.markdown(machine: try await machine(bench), analysis: analysis, date: date, previous: previous)
        try text.write(toFile: output, atomically: true, encoding: .utf8)
        bench.log("wrote \(output)")
    }

    private func writeProject(_ bench: BenchContext) throws {
        try bench.write("noop.yml", Playbooks.debug(tasks: 1))
        try bench.write("firsttask.yml", Playbooks.debug(tasks: 3))
        try bench.write("quick.yml", Playbooks.debug(tasks: 50))
        try bench.write("events.yml", Playbooks.debug(tasks: 200))
        try bench.write("growth.yml", Playbooks.debug(tasks: 16))
        try bench.write("ssh.yml", Playbooks.command(tasks: 10))
        try bench.write("page-live.yml", Playbooks.loop(items: pageLiveItems))
        try bench.write("one-host", Playbooks.localHosts(1))
        for count in [3, 10, 20] { try bench.write("local-hosts-\(count)", Playbooks.localHosts(count)) }
    }

    /// What the figures were measured on.
    private func machine(_ bench: BenchContext) async throws -> [String] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memory =
            meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }.map { String(format: "%.0f GiB", Double($0) / 1_048_576) }
            ?? "?"
        return [
            "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory) memory",
            try await firstLine("uname", ["-sr"]),
            try await firstLine("swift", ["--version"]),
            try await firstLine(bench.ansibleBin + "/ansible-playbook", ["--version"]) + ", ansible-runner "
                + RunOverhead.runnerVersion(bench),
            "SQLite " + (try await firstLine("sqlite3", ["--version"]).split(separator: " ").first.map(String.init) ?? "?")
                + ", " + (try await firstLine("/usr/bin/psql", ["--version"])),
            try await firstLine("wrk", ["--version"]).split(separator: " ").prefix(2).joined(separator: " "),
        ]
    }

    private func firstLine(_ command: String, _ arguments: [String]) async throws -> String {
        let executable: Executable = command.hasPrefix("/") ? .path(FilePath(command)) : .name(command)
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), output: .string(limit: 1 << 16), error: .string(limit: 1 << 16))
        let text = result.standardOutput + result.standardError
        return text.split(separator: "\n").first.map(String.init) ?? "?"
    }
}
