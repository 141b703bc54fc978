/// Follows a stream to its end across dropped connections: each drop is followed by a
/// reconnection after a growing pause, until the stream's end comes or too many tries in
/// a row have failed. A refusal by the server (a status) is not retried.
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
            do {
                if let end = try await stream(&failures) { return end }
                failures += 1
            } catch let failure as ClientFailure where failure.status != nil {
                throw failure
            } catch {
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
