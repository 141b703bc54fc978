import Foundation

/// The benchmarks `--only` chooses from, in report order. A section of an earlier
/// BENCHMARKS.md is recognised by its title, so a title, once published, stays.
enum Benchmark: String, CaseIterable, Sendable {
    case overhead, dispatch, firsttask, workflow, git, events, api, growth, page

    var title: String {
        switch self {
        case .overhead: "Run overhead"
        case .dispatch: "Dispatch latency"
        case .firsttask: "First task"
        case .workflow: "Workflow handoff"
        case .git: "Git checkout"
        case .events: "Event pipeline"
        case .api: "API under load"
        case .growth: "Growth"
        case .page: "Job page"
        }
    }
}

/// BENCHMARKS.md: the machine, the date, the commands, and one table per benchmark. A run
/// of only some benchmarks keeps the other sections of the previous report, each marked
/// with the date (and, if it differs, the machine) of the run that measured it.
struct Report {
    struct Section {
        var benchmark: Benchmark
        /// What was measured and how, in a sentence or two.
        var method: String
        var header: [String]
        var rows: [[String]] = []
        var notes: [String] = []

        init(_ benchmark: Benchmark, method: String, header: [String]) {
            self.benchmark = benchmark
            self.method = method
            self.header = header
        }
    }

    /// One row of the Memory table, which gathers the figures of several benchmarks.
    struct MemoryRow {
        var state: String
        var rss: String
        var benchmark: Benchmark
        /// The date of the run that measured it; nil for this run.
        var measured: String?
    }

    static let memoryTitle = "Memory"

    var sections: [Section] = []
    var memory: [MemoryRow] = []
    var commands: [String] = []

    /// `date`: when this run started.
    func markdown(machine: [String], analysis: String, date: String, previous: PreviousReport?) -> String {
        let measured = Set(sections.map(\.benchmark))
        var carried: [Benchmark: PreviousReport.Section] = [:]
        for benchmark in Benchmark.allCases where !measured.contains(benchmark) {
            carried[benchmark] = previous?.sections[benchmark]
        }
        let memory = memory + (previous?.memory.filter { !measured.contains($0.benchmark) } ?? [])
        let carriedMemory = memory.contains { $0.measured != nil }
        var intro = "Written by `make bench` (`playhouse-bench`, release build) from the run started \(date). "
        if carried.isEmpty && !carriedMemory {
            intro += "Every figure comes from this one run; "
        } else {
            var titles = sections.map(\.benchmark.title)
            if memory.contains(where: { $0.measured == nil }) { titles.append(Self.memoryTitle) }
            intro += "This run measured \(Self.list(titles)) only. "
            var byDate: [String: [String]] = [:]
            for benchmark in Benchmark.allCases {
                if let section = carried[benchmark] { byDate[section.measured, default: []].append(benchmark.title) }
            }
            let dated =
                byDate.keys.sorted().map { "\(Self.list(byDate[$0]!)) (\($0))" }
                + (carriedMemory ? ["rows of \(Self.memoryTitle) so marked"] : [])
            intro +=
                "Carried over from the previous report, each marked with the date of the run that measured it: "
                + dated.joined(separator: "; ") + ". The figures of one section come from one run; "
        }
        intro +=
            "ratios compare Playhouse with plain `ansible-playbook` measured in the same run, interleaved, so "
            + "they hold on a noisy machine. Benchmarks report; no test asserts a time."
        var lines = ["# Benchmarks", "", intro, "", "## Machine", ""]
        lines += machine.map { "- " + $0 }
        lines += ["", "## Commands", "", "```"] + commands + ["```", ""]
        let new = Dictionary(uniqueKeysWithValues: sections.map { ($0.benchmark, $0) })
        for benchmark in Benchmark.allCases {
            if let section = new[benchmark] {
                lines += ["## \(benchmark.title)", "", section.method, ""]
                lines += Self.table(section.header, section.rows)
                if !section.notes.isEmpty { lines += [""] + section.notes.map { "- " + $0 } }
                lines.append("")
            } else if let old = carried[benchmark] {
                lines += ["## \(benchmark.title)", "", PreviousReport.marker(old, currentMachine: machine), "", old.body, ""]
            }
        }
        if !memory.isEmpty {
            lines += ["## \(Self.memoryTitle)", "", "Resident memory (VmRSS) of the `serve` process.", ""]
            lines += Self.table(
                ["state", "RSS", "measured"],
                memory.sorted { $0.benchmark.sortIndex < $1.benchmark.sortIndex }
                    .map { [$0.state, $0.rss, $0.measured ?? PreviousReport.thisRun] })
            lines.append("")
        }
        lines.append(analysis.trimmingCharacters(in: .whitespacesAndNewlines))
        return lines.joined(separator: "\n") + "\n"
    }

    private static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
            + rows.map { "| " + $0.joined(separator: " | ") + " |" }
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    static func date() -> String {
        Date().formatted(Date.ISO8601FormatStyle(timeSeparator: .colon).year().month().day().time(includingFractionalSeconds: false))
            .replacingOccurrences(of: "T", with: " ") + " UTC"
    }
}

extension Benchmark {
    /// The position in the report (the Memory table keeps its rows in benchmark order).
    var sortIndex: Int { Self.allCases.firstIndex(of: self)! }
}

/// Formatting figures for the report.
enum Figure {
    static func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    static func s(_ seconds: Double) -> String { String(format: "%.2f s", seconds) }
    static func ratio(_ value: Double) -> String { String(format: "%.3f", value) }
    static func count(_ value: Double) -> String { String(format: "%.0f", value) }
    static func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    static func verdict(_ met: Bool) -> String { met ? "met" : "**not met**" }
}
