import Foundation
import Hummingbird
import Logging
import PlayhouseTestSupport

/// Serves `router` on a free port of 127.0.0.1 while `body` runs: the other side of an
/// HTTP exchange Playhouse starts (a CMDB, a choices URL, a notification receiver).
func withPeerServer<T: Sendable>(
    _ router: Router<BasicRequestContext>, _ body: @escaping @Sendable (_ port: Int) async throws -> T
) async throws -> T {
    let port = try Loopback.freePort()
    var logger = Logger(label: "peer")
    logger.logLevel = .warning
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    let server = Task { try await app.runService() }
    defer { server.cancel() }
    let deadline = ContinuousClock.now + .seconds(10)
    while (try? Loopback.connect(port: port, timeout: 1)).map({ close($0) }) == nil, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await body(port)
}
