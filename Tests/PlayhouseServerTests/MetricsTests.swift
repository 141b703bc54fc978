import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// `/metrics` after real runs: the numbers move as the jobs go by.
@Suite struct MetricsTests {
    /// The value of the first sample of `name` whose labels hold every one of `labels`.
    static func value(_ text: String, _ name: String, _ labels: [String] = []) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            guard labels.allSatisfy({ line.contains($0) }), let number = line.split(separator: " ").last.flatMap({ Double($0) }) else {
                continue
            }
            return number
        }
        return nil
    }

    @Test func theNumbersMoveWithRealRuns() async throws {
        try await ServerFixture.with { client, store in
            let stranger = try await client.text("/metrics", headers: [.authorization: ""])
            #expect(stranger.0 == .unauthorized, "metrics need an admin unless --open-metrics")

            let launch = #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#
            _ = try await client.waitForEnd(try await client.launch(launch))
            let (status, headers, first) = try await client.text("/metrics")
            #expect(status == .ok && headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(Self.value(first, "playhouse_jobs", [#"status="successful""#]) == 1, "\(first)")
            #expect(Self.value(first, "playhouse_queue_depth") == 0)
            #expect(Self.value(first, "playhouse_dispatch_duration_seconds_count") == 1)
            #expect(Self.value(first, "playhouse_run_duration_seconds_count", [#"status="successful""#]) == 1)
            let events = try #require(Self.value(first, "playhouse_events_total"))
            #expect(events >= 5, "a play, a task, a result, the recap…: \(events)")
            #expect(
                Self.value(first, "playhouse_http_requests_total", [#"route="/api/v1/jobs""#, #"method="POST""#, #"status="202""#]) == 1)
            #expect(Self.value(first, "playhouse_worker_capacity", [#"worker="test-worker""#]) == 2)
            #expect((Self.value(first, "process_resident_memory_bytes") ?? 0) > 1_000_000)

            // Every metric the Grafana dashboard in deploy/ draws is served.
            let dashboard = try String(contentsOfFile: TestPaths.root + "/deploy/grafana-dashboard.json", encoding: .utf8)
            let drawn = Set(
                dashboard.matches(of: /(playhouse|process)_[a-z_]+/).map { String($0.output.0) }
                    .map { $0.replacing(/_(bucket|count|sum)$/, with: "") })
            #expect(drawn.count >= 10)
            for name in drawn { #expect(first.contains("\n\(name)") || first.contains("# TYPE \(name)"), "the dashboard draws \(name)") }

            _ = try await client.waitForEnd(try await client.launch(launch))
            let second = try await client.text("/metrics").2
            #expect(Self.value(second, "playhouse_jobs", [#"status="successful""#]) == 2)
            #expect((Self.value(second, "playhouse_events_total") ?? 0) >= events * 2 - 1)
            #expect(Self.value(second, "playhouse_run_duration_seconds_count", [#"status="successful""#]) == 2)
            #expect(
                Self.value(second, "playhouse_http_requests_total", [#"route="/api/v1/jobs""#, #"method="POST""#, #"status="202""#]) == 2)
            #expect(Self.value(second, "playhouse_http_requests_total", [#"route="/metrics""#, #"status="401""#]) == 1)

            // A worker that stops takes its series with it.
            try await store.workers.register(name: "passing", host: "h", capacity: 5)
            #expect(Self.value(try await client.text("/metrics").2, "playhouse_worker_capacity", [#"worker="passing""#]) == 5)
            try await store.workers.stop(name: "passing")
            let after = try await client.text("/metrics").2
            #expect(Self.value(after, "playhouse_worker_capacity", [#"worker="passing""#]) == nil, "\(after)")
            #expect(Self.value(after, "playhouse_worker_capacity", [#"worker="test-worker""#]) == 2)
        }
    }
}
