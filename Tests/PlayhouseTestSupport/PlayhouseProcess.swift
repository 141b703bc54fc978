import Foundation

/// The real `playhouse` binary (built next to the test bundle or the benchmark tool) as a
/// child process, its output appended to a log file.
public final class PlayhouseProcess {
    public let process = Process()
    public let log: String
    /// The database and port of a `serve` process.
    private var served: (database: String, port: Int)?

    /// `playhouse` in the folder of the running executable.
    public static var binary: String {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().path + "/playhouse"
    }

    public init(_ arguments: [String], log: String, ansibleBin: String = TestPaths.ansibleBin, environment: [String: String] = [:]) throws {
        self.log = log
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments + ["--ansible-bin", ansibleBin]
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// `playhouse serve` with one embedded worker.
    public static func serve(
        port: Int, database: String, projects: String, runs: String, log: String, extra: [String] = ["--workers", "1"],
        ansibleBin: String = TestPaths.ansibleBin, environment: [String: String] = [:]
    ) throws -> PlayhouseProcess {
        let process = try PlayhouseProcess(
            ["serve", "--port", "\(port)", "--database", database, "--projects", projects, "--runs-dir", runs] + extra,
            log: log, ansibleBin: ansibleBin, environment: environment)
        process.served = (database, port)
        return process
    }

    /// Waits until a `serve` process answers, then makes an API token for its first user,
    /// `admin` (with `playhouse tokens create`), and has ``RawHTTP`` send it to the port.
    /// Returns the token.
    @discardableResult
    public func waitUntilReady() async throws -> String {
        guard let (database, port) = served else { throw LoopbackError("waitUntilReady is for `playhouse serve` processes") }
        // A starved CI machine can take a minute to start a process and migrate its store.
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if let health = try? await RawHTTP.request(port: port, "GET", "/api/v1/health"), health.status == 200 {
                let token = try await Self.adminToken(database: database)
                RawHTTP.authorize(port: port, token: token)
                return token
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LoopbackError("playhouse did not answer on port \(port) within 90 s; see its log")
    }

    /// A new API token for `admin`, from `playhouse tokens create admin`.
    public static func adminToken(database: String) async throws -> String {
        let (status, output) = try command(["tokens", "create", "admin", "--name", "tests", "--database", database, "--log-level", "error"])
        let token = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, token.hasPrefix("ph_") else {
            throw LoopbackError("`playhouse tokens create admin` failed (\(status)): \(token)")
        }
        return token
    }

    /// Runs `playhouse ARGUMENTS` to its end with `input` on standard input; its exit
    /// status and what it printed (standard output and error).
    public static func command(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: binary)
        tool.arguments = arguments
        let output = Pipe()
        tool.standardOutput = output
        tool.standardError = output
        let stdin = Pipe()
        tool.standardInput = stdin
        try tool.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        tool.waitUntilExit()
        return (tool.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// kill -9, and wait until it is gone.
    public func crash() async {
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// `signal` (SIGTERM: graceful), then SIGKILL if it is still there after `grace`.
    public func stop(_ signal: Int32 = SIGTERM, grace: Duration = .seconds(15)) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { await crash() }
    }

    public var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
}
