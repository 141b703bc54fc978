import NIOCore

/// Follows a stream to its end across dropped connections: each drop is followed by a
/// reconnection after a growing pause, until the stream's end comes or too many tries in
/// a row have failed. A refusal by the server (a 4xx) is not retried; a proxy's 5xx while
/// Playhouse restarts is. A stream closed by its own planned lifetime is reopened at once,
/// without a word.
enum StreamRetry {
    /// Consecutive failed reconnections before giving up (about two minutes).
    static let attempts = 40

    /// Runs `stream` until it returns the end; `stream` returns nil when the connection
    /// closed before the end, and sets its `failures` to 0 whenever a frame comes.
    static func untilEnd<End>(
        of what: String, hint: String, _ stream: (_ failures: inout Int) async throws -> End?
    ) async throws -> End {
        var failures = 0
        while true {
            let opened = ContinuousClock.now
            do {
                if let end = try await stream(&failures) { return end }
                failures += 1
            } catch let failure as ClientFailure where (failure.status ?? 500) < 500 {
                throw failure
            } catch {
                if opened.duration(to: .now) >= .nanoseconds(API.streamLifetime.nanoseconds) - .seconds(1) { continue }
                failures += 1
                if failures == 1 { Terminal.note("playhouse: lost the stream of \(what) (\(error)); reconnecting") }
            }
            guard failures < attempts else {
                throw ClientFailure("lost the stream of \(what) and could not reconnect", detail: hint)
            }
            try await Task.sleep(for: .milliseconds(min(250 * failures, 3000)))
        }
    }
}
