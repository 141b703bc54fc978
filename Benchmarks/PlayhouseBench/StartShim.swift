import Foundation

/// An `ansible-playbook` in front of the real one that notes when each process started:
/// `$BENCH_LAUNCH` (the launch's label, if it has one) and bash's `$EPOCHREALTIME`, read
/// without a fork, then execs the real one.
struct StartShim {
    /// The folder to pass as `--ansible-bin`.
    let bin: String
    /// The file of starts, one line each.
    let starts: String

    static func make(_ bench: BenchContext, name: String) throws -> StartShim {
        let bin = bench.scratch + "/\(name)-bin"
        let starts = bench.scratch + "/\(name)-starts"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let script = """
            #!/bin/bash
            echo "$BENCH_LAUNCH $EPOCHREALTIME" >> '\(starts)'
            exec '\(bench.ansibleBin)/ansible-playbook' "$@"

            """
        try script.write(toFile: bin + "/ansible-playbook", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/ansible-playbook")
        try FileManager.default.createSymbolicLink(
            atPath: bin + "/ansible-inventory", withDestinationPath: bench.ansibleBin + "/ansible-inventory")
        return StartShim(bin: bin, starts: starts)
    }

    /// The starts noted so far, in order: the launch's label ("" without one) and the time.
    func recorded() -> [(launch: String, time: Double)] {
        let text = (try? String(contentsOfFile: starts, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard let time = parts.last.flatMap({ Double($0) }) else { return nil }
            return (parts.dropLast().joined(separator: " "), time)
        }
    }

    /// Forgets the starts noted so far.
    func clear() {
        try? FileManager.default.removeItem(atPath: starts)
    }
}
