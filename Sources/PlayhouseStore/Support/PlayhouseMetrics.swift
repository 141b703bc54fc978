public import Foundation
import Metrics
public import PlayhouseCore
import Prometheus
import SQLKit

/// The numbers of one process, recorded through swift-metrics into a Prometheus registry
/// of its own (no process-wide bootstrap, so tests can run many servers at once), and
/// written out in Prometheus' text format by `/metrics`. What the database knows (jobs by
/// status, the queue, the workers) is read at each scrape; what happens in the process
/// (requests, dispatches, runs, events) is counted as it happens.
public final class PlayhouseMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
        ]
        self.factory = factory
    }

    /// An answer of the API or the page: by route (its pattern, so ids make no new series),
    /// method and status, with the time taken.
    public func answered(route: String, method: String, status: Int, after duration: Duration) {
        Counter(
            label: "playhouse_http_requests_total", dimensions: [("route", route), ("method", method), ("status", "\(status)")],
            factory: factory
        ).increment()
        Timer(label: "playhouse_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    /// A job claimed by a worker of this process, `wait` after it was queued.
    public func dispatched(after wait: Duration) {
        Timer(label: "playhouse_dispatch_duration_seconds", factory: factory).recordNanoseconds(Self.nanoseconds(wait))
    }

    /// A run of this process ended in `status` after `duration`.
    public func ran(_ status: JobStatus, for duration: Duration) {
        Timer(label: "playhouse_run_duration_seconds", dimensions: [("status", status.rawValue)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Events stored by runs of this process.
    public func stored(events count: Int) {
        Counter(label: "playhouse_events_total", factory: factory).increment(by: count)
    }

    /// The time a store call took, by what it did.
    public func store(_ operation: String, took duration: Duration) {
        Timer(label: "playhouse_store_duration_seconds", dimensions: [("operation", operation)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    /// Every metric, the database's read now, in Prometheus' text format; `liveStreams` is
    /// the number of event streams this process holds open.
    public func exposition(store: Store, liveStreams: Int, lease: Duration, now: Date = Date()) async throws -> String {
        let started = ContinuousClock.now
        var byStatus = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0, 0) })
        for row in try await store.sql.raw("SELECT status, COUNT(*) AS n FROM jobs WHERE parent_id IS NULL GROUP BY status").all() {
            if let status = JobStatus(rawValue: try row.decode(column: "status", as: String.self)) {
                byStatus[status] = try row.decode(column: "n", as: Int.self)
            }
        }
        for (status, count) in byStatus {
            Gauge(label: "playhouse_jobs", dimensions: [("status", status.rawValue)], factory: factory).record(count)
        }
        let oldest =
            try await store.sql.raw("SELECT MIN(created_at) AS t FROM jobs WHERE status = 'queued'")
            .first(decodingColumn: "t", as: Double?.self) ?? nil
        Gauge(label: "playhouse_queue_depth", factory: factory).record(byStatus[.queued] ?? 0)
        Gauge(label: "playhouse_queue_oldest_age_seconds", factory: factory).record(
            oldest.map { max(0, now.timeIntervalSince1970 - $0) } ?? 0)
        for worker in try await store.workers.list(lease: lease, now: now) {
            let capacity = Gauge(label: "playhouse_worker_capacity", dimensions: [("worker", worker.name)], factory: factory)
            let inUse = Gauge(label: "playhouse_worker_slots_in_use", dimensions: [("worker", worker.name)], factory: factory)
            guard worker.state == .active else {
                // A stopped or lost worker has no capacity to show: its series go.
                capacity.destroy()
                inUse.destroy()
                continue
            }
            capacity.record(worker.capacity)
            inUse.record(worker.runningJobs)
        }
        Gauge(label: "playhouse_live_streams", factory: factory).record(liveStreams)
        Gauge(label: "process_resident_memory_bytes", factory: factory).record(Self.residentBytes())
        self.store("scrape", took: started.duration(to: .now))
        return registry.emitToString()
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// This process's resident memory, from /proc (0 where there is none).
    private static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kib * 1024
    }
}
