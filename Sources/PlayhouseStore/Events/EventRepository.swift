import Foundation
public import PlayhouseCore
import SQLKit

/// The events of a job's run.
public struct EventRepository: Repository {
    let store: Store

    /// SQLite allows 32 766 bound values per statement; events have 11 columns.
    static let perInsert = 1_000

    /// Appends a batch of a job's events (numbered by the caller, in order), then wakes
    /// the job's subscribers. An event whose seq is stored already is passed over: a batch
    /// sent again, because the answer to the first try was lost with the connection, is
    /// stored once.
    public func append(_ events: [JobEvent], to jobID: Int64) async throws {
        guard !events.isEmpty else { return }
        if events.count <= Self.perInsert {
            // One statement is whole by itself, and this is the busiest write: no transaction around it.
            try await insert(events[...], of: jobID)
        } else {
            try await store.withTransaction { store in
                for start in stride(from: events.startIndex, to: events.endIndex, by: Self.perInsert) {
                    try await store.events.insert(events[start..<min(start + Self.perInsert, events.endIndex)], of: jobID)
                }
            }
        }
        await store.announce(.job(jobID))
    }

    func insert(_ events: some Collection<JobEvent>, of jobID: Int64) async throws {
        let rows = events.map { event -> SQLQueryString in
            let changed = event.changed.map { $0 ? 1 : 0 }
            let failed = event.failed.map { $0 ? 1 : 0 }
            let data = event.data.map { $0.jsonString() }
            return """
                (\(bind: jobID), \(bind: event.seq), \(bind: event.type.name), \(bind: event.time), \(bind: event.play),
                 \(bind: event.task), \(bind: event.host), \(bind: changed), \(bind: failed), \(bind: event.message),
                 \(bind: data))
                """
        }
        try await sql.raw(
            """
            INSERT INTO job_events (job_id, seq, type, time, play, task, host, changed, failed, message, data)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (job_id, seq) DO NOTHING
            """
        ).run()
    }

    /// A job's events after `seq`, in order, at most `limit`.
    public func list(of jobID: Int64, after seq: Int = 0, limit: Int = 500) async throws -> [JobEvent] {
        try await sql.raw(
            """
            SELECT * FROM job_events WHERE job_id = \(bind: jobID) AND seq > \(bind: seq)
            ORDER BY seq LIMIT \(bind: limit)
            """
        ).all(as: JobEvent.self)
    }
}

extension EventRepository {
    /// A job's events whose task, host or message holds `text` (letters in either case):
    /// how many there are, and the first `limit` of them.
    public func search(of jobID: Int64, for text: String, limit: Int) async throws -> (total: Int, events: [JobEvent]) {
        let matches: SQLQueryString = """
            job_id = \(bind: jobID) AND (\(LikePattern.contains(text, in: "COALESCE(task, '')"))
                OR \(LikePattern.contains(text, in: "COALESCE(host, '')"))
                OR \(LikePattern.contains(text, in: "COALESCE(message, '')")))
            """
        let total =
            try await sql.raw("SELECT COUNT(*) AS hits FROM job_events WHERE \(matches)")
            .first(decodingColumn: "hits", as: Int.self) ?? 0
        let events = try await sql.raw("SELECT * FROM job_events WHERE \(matches) ORDER BY seq LIMIT \(bind: limit)")
            .all(as: JobEvent.self)
        return (total, events)
    }
}

extension EventRepository {
    /// The type of the event that marks where a compacted job's events were dropped.
    public static let droppedMarker = EventType("playhouse_events_dropped")

    /// Drops the job's events past seq `keep`, except Ansible's recap, and puts a marker
    /// event in the first place it freed; returns how many were dropped.
    func drop(of jobID: Int64, after keep: Int, at time: Double) async throws -> Int {
        let dropped = try await sql.raw(
            """
            DELETE FROM job_events WHERE job_id = \(bind: jobID) AND seq > \(bind: keep)
                AND type <> \(bind: EventType.stats.name) RETURNING seq
            """
        ).all(decodingColumn: "seq", as: Int.self)
        guard let first = dropped.min() else { return 0 }
        let message = "\(dropped.count) events after the first \(keep) were dropped when the job was compacted"
        try await insert([JobEvent(seq: first, type: Self.droppedMarker, time: time, message: message)], of: jobID)
        return dropped.count
    }
}
