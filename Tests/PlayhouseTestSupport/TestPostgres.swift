import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A throwaway PostgreSQL server from the machine's binaries (Debian's postgresql), in a
/// temporary folder, on a free loopback port, for one test. `initdb` refuses to run as
/// root, so the server runs as `nobody`.
public enum TestPostgres {
    /// A running test server, which a test may restart or stop and start again.
    public struct Server: Sendable {
        /// `postgres://…` of the server.
        public let url: String
        let bin: String
        let folder: String
        let options: String

        /// `pg_ctl restart -m MODE` (`fast`: sessions are told and the server shuts down
        /// cleanly; `immediate`: it dies and recovers from its log), waiting until it is up.
        public func restart(mode: String) async throws {
            try await asNobody(
                bin + "/pg_ctl",
                ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "180", "-m", mode, "restart", "-o", options])
        }

        /// `pg_ctl stop -m fast`, waiting until it is down.
        public func stop() async throws {
            try await asNobody(bin + "/pg_ctl", ["-D", folder + "/data", "-w", "-t", "60", "-m", "fast", "stop"])
        }

        /// Starts the stopped server, waiting until it is up.
        public func start() async throws {
            try await asNobody(
                bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "180", "start", "-o", options])
        }
    }

    /// Starts a server, hands its URL to `body`, and stops and removes it afterwards.
    public static func with<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (String) async throws -> T
    ) async throws -> T {
        try await withServer { server in try await body(server.url) }
    }

    /// Starts a server, hands it to `body`, and stops and removes it afterwards. A
    /// `durable` server acknowledges a commit only once it is in its log, so that one
    /// killed (`restart(mode: "immediate")`) keeps every commit it acknowledged; others
    /// trade that for speed.
    public static func withServer<T>(
        durable: Bool = false, isolation: isolated (any Actor)? = #isolation, _ body: (Server) async throws -> T
    ) async throws -> T {
        let bin = try binDirectory()
        let folder = NSTemporaryDirectory() + "playhouse-pg-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder)
        _ = try await run("/usr/bin/chown", ["-R", "nobody:nogroup", folder])
        let port = try Loopback.freePort()
        let options =
            "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
            + (durable ? "" : " -c synchronous_commit=off")
        do {
            try await asNobody(bin + "/initdb", ["-D", folder + "/data", "--no-sync", "-U", "postgres", "--auth=trust", "-E", "UTF8"])
            // Three minutes: a fresh-clone CI starts dozens of servers at once on two cores.
            try await asNobody(
                bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "180", "start", "-o", options])
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        let server = Server(url: "postgres://postgres@127.0.0.1:\(port)/postgres", bin: bin, folder: folder, options: options)
        do {
            let result = try await body(server)
            await stop(bin: bin, folder: folder)
            return result
        } catch {
            await stop(bin: bin, folder: folder)
            throw error
        }
    }

    private static func stop(bin: String, folder: String) async {
        try? await asNobody(bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    static func binDirectory() throws -> String {
        let candidates = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { "/usr/lib/postgresql/\($0)/bin" }
        guard let bin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }) else {
            throw TestPostgresError("PostgreSQL's initdb was not found under /usr/lib/postgresql: run `make test` (installs postgresql)")
        }
        return bin
    }

    static func asNobody(_ executable: String, _ arguments: [String]) async throws {
        let output = try await run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", executable] + arguments)
        guard output.ok else {
            throw TestPostgresError("\(executable) failed: \(output.text)")
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws -> (ok: Bool, text: String) {
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), workingDirectory: "/tmp",
            output: .string(limit: 1024 * 1024), error: .string(limit: 1024 * 1024))
        return (result.terminationStatus.isSuccess, result.standardOutput + result.standardError)
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
