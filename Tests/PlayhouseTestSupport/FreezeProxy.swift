import Foundation

/// A TCP proxy on loopback (`Tests/Scripts/freeze-proxy.py`) whose open connections can be
/// frozen: what either side sends is dropped and nothing is closed, as when a database server
/// vanishes behind a failover. Connections made after a freeze pass untouched.
public struct FreezeProxy: Sendable {
    /// Where to connect to reach the target through the proxy.
    public let port: Int
    private let process: ChildProcess

    /// Runs a proxy to `127.0.0.1:target` while `body` runs, and stops it afterwards however
    /// `body` ends.
    public static func with<T>(target: Int, _ body: (FreezeProxy) async throws -> T) async throws -> T {
        let port = try Loopback.freePort()
        let log = try TestPaths.scratch("freeze-proxy") + "/proxy.log"
        let process = try await ChildProcess.start(
            "/usr/bin/python3", arguments: [TestPaths.root + "/Tests/Scripts/freeze-proxy.py", "\(port)", "\(target)"], stderrPath: log)
        let proxy = FreezeProxy(port: port, process: process)
        do {
            let deadline = ContinuousClock.now + .seconds(30)
            while (try? Loopback.connect(port: port, timeout: 1)).map({ close($0) }) == nil {
                guard ContinuousClock.now < deadline else {
                    throw TestToolError(
                        "the freeze proxy did not listen on port \(port): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let result = try await body(proxy)
            await process.stop(killAfter: .seconds(5))
            return result
        } catch {
            await process.stop(killAfter: .seconds(5))
            throw error
        }
    }

    /// Freezes every connection open now.
    public func freeze() {
        kill(process.pid, SIGUSR1)
    }
}
