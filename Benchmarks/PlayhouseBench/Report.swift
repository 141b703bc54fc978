import Foundation

/// BENCHMARKS.md: the machine, the date, the commands, and one table per benchmark.
struct Report {
    struct Section {
        var title: String
        /// What was measured and how, in a sentence or two.
        var method: String
        var header: [String]
        var rows: [[String]] = []
        var notes: [String] = []
    }

    var sections: [Section] = []
    var commands: [String] = []

    func markdown(machine: [String], analysis: String) -> String {
        var lines = [
            "# Benchmarks",
            "",
            "Written by `make bench` (`playhouse-bench`, release build) on \(Self.date()). "
                + "Every figure comes from this one run; ratios compare Playhouse with plain `ansible-playbook` "
                + "measured in the same run, interleaved, so they hold on a noisy machine. Benchmarks report; "
                + "no test asserts a time.",
            "",
            "## Machine",
            "",
        ]
        lines += machine.map { "- " + $0 }
        lines += ["", "## Commands", "", "```"] + commands + ["```", ""]
        for section in sections {
            lines += ["## \(section.title)", "", section.method, ""]
            lines.append("| " + section.header.joined(separator: " | ") + " |")
            lines.append("|" + section.header.map { _ in "---" }.joined(separator: "|") + "|")
            for row in section.rows { lines.append("| " + row.joined(separator: " | ") + " |") }
            if !section.notes.isEmpty { lines += [""] + section.notes.map { "- " + $0 } }
            lines.append("")
        }
        lines.append(analysis.trimmingCharacters(in: .whitespacesAndNewlines))
        return lines.joined(separator: "\n") + "\n"
    }

    static func date() -> String {
        Date().formatted(Date.ISO8601FormatStyle(timeSeparator: .colon).year().month().day().time(includingFractionalSeconds: false))
            .replacingOccurrences(of: "T", with: " ") + " UTC"
    }
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
