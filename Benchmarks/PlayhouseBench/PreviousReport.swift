import Foundation

/// The report a run replaces, read back, so that a run of only some benchmarks (`--only`)
/// keeps the others: their sections as written (method, table, notes) and their Memory
/// rows, each with the date and machine of the run that measured it.
struct PreviousReport {
    struct Section {
        /// Everything under the title but the carry-over marker.
        var body: String
        /// The date of the run that measured it.
        var measured: String
        /// That run's Machine list.
        var machine: [String]
    }

    /// The Memory table's "measured" entry for a row of the run that wrote the report.
    static let thisRun = "this run"

    private static let markerPrefix = "> Carried over from the run of "
    private static let machinePrefix = " Machine of that run: "
    /// `2026-11-25 17:23:36 UTC`, as ``Report/date()`` writes it.
    private static let dateLength = 23

    var sections: [Benchmark: Section] = [:]
    var memory: [Report.MemoryRow] = []

    /// Nil when `markdown` has no run date in its introduction: not a report this tool wrote.
    init?(markdown: String) {
        var chunks: [(title: String, lines: [Substring])] = [("", [])]
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                chunks.append((String(line.dropFirst(3)), []))
            } else {
                chunks[chunks.count - 1].lines.append(line)
            }
        }
        let intro = chunks[0].lines.joined(separator: "\n")
        guard let match = intro.firstMatch(of: /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/) else { return nil }
        let written = String(match.output)
        let machine = chunks.first { $0.title == "Machine" }?.lines.filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) } ?? []
        for chunk in chunks {
            if let benchmark = Benchmark.allCases.first(where: { $0.title == chunk.title }) {
                var section = Section(body: "", measured: written, machine: machine)
                var lines = chunk.lines.drop { $0.isEmpty }
                if let marker = lines.first, marker.hasPrefix(Self.markerPrefix) {
                    let rest = marker.dropFirst(Self.markerPrefix.count)
                    section.measured = String(rest.prefix(Self.dateLength))
                    if let range = rest.range(of: Self.machinePrefix) {
                        section.machine = rest[range.upperBound...].dropLast().components(separatedBy: "; ")
                    }
                    lines = lines.dropFirst()
                }
                section.body = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                sections[benchmark] = section
            } else if chunk.title == Report.memoryTitle {
                // The separator line (`|---|`) does not start with `| `; the first that does is the header.
                for line in chunk.lines.filter({ $0.hasPrefix("| ") }).dropFirst() {
                    let cells = line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
                    guard cells.count >= 2 else { continue }
                    let measured = cells.count > 2 && cells[2] != Self.thisRun ? cells[2] : written
                    memory.append(
                        Report.MemoryRow(
                            state: cells[0], rss: cells[1],
                            benchmark: EventPipeline.memoryStates.contains(cells[0]) ? .events : .growth, measured: measured))
                }
            }
        }
    }

    /// The line under a carried-over section's title; the machine is named when it is not
    /// the one this run measured on, so the report's Machine list stays true for the rest.
    static func marker(_ section: Section, currentMachine: [String]) -> String {
        markerPrefix + section.measured + "; not measured by the run that wrote this report."
            + (section.machine == currentMachine ? "" : machinePrefix + section.machine.joined(separator: "; ") + ".")
    }
}
