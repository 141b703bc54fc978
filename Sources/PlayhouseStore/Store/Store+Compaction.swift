public import Foundation
import PlayhouseCore
import SQLKit

/// What a compaction did.
public struct CompactionReport: Sendable, Equatable {
    public var jobs = 0
    /// Bytes of log text before, and stored deflated after.
    public var logBytesBefore = 0
    public var logBytesAfter = 0
    public var eventsDropped = 0
}

extension Store {
    /// Jobs compacted per transaction.
    static let compactionBatch = 20

    /// Compacts the jobs that ended before `cutoff` and were not compacted yet: each log is
    /// rewritten as deflated chunks (every line still readable by range, searchable and
    /// downloadable), and events past `keepEvents` are dropped, Ansible's recap kept, with a
    /// marker event where they were. A job's tasks, hosts and counts stay as they were.
    public func compact(endedBefore cutoff: Date, keepEvents: Int, now: Date = Date()) async throws -> CompactionReport {
        var report = CompactionReport()
        while true {
            let ids = try await sql.raw(
                """
                SELECT id FROM jobs WHERE compacted_at IS NULL AND finished_at IS NOT NULL
                    AND finished_at < \(bind: cutoff.timeIntervalSince1970)
                ORDER BY id LIMIT \(bind: Self.compactionBatch)
                """
            ).all(decodingColumn: "id", as: Int64.self)
            guard !ids.isEmpty else { return report }
            for id in ids {
                // One job at a time, whole: a compaction cut short leaves each job as it was or compacted.
                try await withTransaction { store in
                    let (before, after) = try await store.output.compact(id)
                    let dropped = try await store.events.drop(of: id, after: keepEvents, at: now.timeIntervalSince1970)
                    try await store.sql.raw("UPDATE jobs SET compacted_at = \(bind: now.timeIntervalSince1970) WHERE id = \(bind: id)")
                        .run()
                    report.jobs += 1
                    report.logBytesBefore += before
                    report.logBytesAfter += after
                    report.eventsDropped += dropped
                }
            }
        }
    }
}
