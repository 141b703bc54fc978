import Foundation

/// A git server over HTTP, as a forge serves repositories: Debian's `git http-backend`
/// behind `Tests/Scripts/git-http-server.py` (the project's venv Python, no packages) on a
/// port of 127.0.0.1, serving each repository under ``root`` for clones and fetches.
///
/// ``stop()`` takes it away; ``start(root:port:)`` with the same port brings it back at
/// the same URLs.
public final class GitHTTPServer: Sendable {
    public let port: Int
    /// The folder whose repositories it serves: `root/NAME` at ``url(_:)``.
    public let root: String
    /// Where it logs each request, and what http-backend said (a new log at each start).
    public let log: String
    private let process: ChildProcess

    static let script = TestPaths.root + "/Tests/Scripts/git-http-server.py"
    static let python = TestPaths.root + "/.venv/bin/python3"

    private init(port: Int, root: String, log: String, process: ChildProcess) {
        self.port = port
        self.root = root
        self.log = log
        self.process = process
    }

    /// Starts a server for the repositories of `root` on `port` (a free one when nil), and
    /// returns once it answers.
    public static func start(root: String, port: Int? = nil) async throws -> GitHTTPServer {
        let port = try port ?? Loopback.freePort()
        // Beside the root, not in it: it is no repository.
        let log = URL(fileURLWithPath: root).deletingLastPathComponent().path + "/git-http-server-\(port).log"
        let process = try await ChildProcess.start(python, arguments: [script, "\(port)", root], stderrPath: log)
        let server = GitHTTPServer(port: port, root: root, log: log, process: process)
        let deadline = ContinuousClock.now + .seconds(20)
        while (try? Loopback.connect(port: port, timeout: 1)).map({ close($0) }) == nil {
            guard ContinuousClock.now < deadline, kill(process.pid, 0) == 0 else {
                await server.stop()
                let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw TestToolError("the git HTTP test server did not start on port \(port): \(said)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return server
    }

    /// The URL a clone of repository `name` (a folder of ``root``) takes.
    public func url(_ name: String) -> String {
        "http://127.0.0.1:\(port)/\(name)"
    }

    /// Stops the server; connections to its port are refused from then on.
    public func stop() async {
        await process.stop(killAfter: .seconds(2))
    }

    /// The requests it has answered so far, one line each.
    public var requests: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains("\" ") }.map(String.init)
    }
}
