import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// HTTP load from wrk (Debian's package): a fixed number of connections for a few
/// seconds, latency percentiles as wrk measures them.
enum Wrk {
    struct Figures {
        var p50: Double
        var p99: Double
        var requestsPerSecond: Double
    }

    static let connections = 4

    /// Loads `path` of `server`, signed in with its token. The token goes to wrk in a
    /// script file (0600), not on its command line.
    static func run(_ server: BenchServer, path: String, seconds: Int = 5) async throws -> Figures {
        let script = NSTemporaryDirectory() + "playhouse-wrk-\(UUID().uuidString).lua"
        guard
            FileManager.default.createFile(
                atPath: script, contents: Data("wrk.headers[\"Authorization\"] = \"Bearer \(server.token)\"\n".utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw BenchError("could not write \(script)") }
        defer { try? FileManager.default.removeItem(atPath: script) }
        let result = try await Subprocess.run(
            .name("wrk"),
            arguments: ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, "http://127.0.0.1:\(server.port)\(path)"],
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let text = result.standardOutput
        guard result.terminationStatus.isSuccess, !text.contains("Non-2xx") else {
            throw BenchError("wrk on \(path) failed: \(text) \result.standardError")
        }
        return Figures(p50: try value(text, "50%"), p99: try value(text, "99%"), requestsPerSecond: try value(text, "Requests/sec:"))
    }

    /// The number after `label` on its line, latencies converted to seconds.
    private static func value(_ text: String, _ label: String) throws -> Double {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[0] == label else { continue }
            let figure = String(fields[1])
            for (unit, scale) in [("us", 1e-6), ("ms", 1e-3), ("s", 1.0)] where figure.hasSuffix(unit) {
                if let number = Double(figure.dropLast(unit.count)) { return number * scale }
            }
            if let number = Double(figure) { return number }
        }
        throw BenchError("wrk printed no \(label): \(text)")
    }
}
