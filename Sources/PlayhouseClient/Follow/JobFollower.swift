import Foundation
import OpenAPIRuntime
import PlayhouseCore

/// Prints a job's log as Ansible prints it, live, from its stream (`output` frames), until
/// the `end` frame brings the finished job. A dropped connection is reopened with
/// `Last-Event-ID`, so no line is lost or printed twice.
struct JobFollower {
    var settings: ClientSettings
    var jobID: Int
    /// Keep Ansible's colours (a terminal), or strip them.
    var colours: Bool
    /// Where the log goes: standard output, or standard error under `--output json`.
    var write: (String) -> Void

    /// Prints the log after line `afterLine` to the end; returns the finished job.
    func follow(afterLine: Int = 0) async throws -> Components.Schemas.Job {
        let client = try API.client(settings, lifetime: API.streamLifetime)
        var lastID: String? = nil
        return try await StreamRetry.untilEnd(
            of: "job #\(jobID)", hint: "the job goes on; follow it again with `playhouse jobs logs \(jobID) --follow`"
        ) { failures in
            try await stream(client, afterLine: afterLine, lastID: &lastID, failures: &failures)
        }
    }

    /// One connection: prints its output frames; the job when `end` came, nil when the
    /// stream closed before it.
    private func stream(
        _ client: Client, afterLine: Int, lastID: inout String?, failures: inout Int
    ) async throws -> Components.Schemas.Job? {
        let response = try await API.call(settings.url) {
            try await client.streamJob(
                path: .init(id: jobID), query: .init(output: ._true, afterLine: afterLine, events: ._false),
                headers: .init(lastEventID: lastID))
        }
        let body = try response.ok.body.textEventStream
        for try await frame in body.asDecodedServerSentEvents() {
            if let id = frame.id { lastID = id }
            failures = 0
            switch frame.event {
            case "output":
                let lines = try JSONDecoder().decode(OutputFrame.self, from: Data((frame.data ?? "").utf8))
                write(colours ? lines.text : ANSI.strip(lines.text))
            case "end":
                return try Self.decoder.decode(Components.Schemas.Job.self, from: Data((frame.data ?? "").utf8))
            default:
                continue
            }
        }
        return nil
    }

    private struct OutputFrame: Decodable {
        var text: String
    }

    /// Reads the API's JSON as the generated client does (RFC 3339 dates with milliseconds).
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            return try Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        return decoder
    }
}
