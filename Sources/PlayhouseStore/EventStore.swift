import PlayhouseCore
import SQLKit

extension Store {
    /// SQLite allows 32 766 bound values per statement; events have 11 columns.
    static let eventsPerInsert = 1_000

    /// Appends a batch of a job's events (numbered by the caller, in order), then wakes
    /// the job's subscribers.
    public func appendEvents(_ events: [JobEvent], to jobID: Int64) async throws {
        guard !events.isEmpty else { return }
        var start = events.startIndex
        while start < events.endIndex {
            let end = min(start + Self.eventsPerInsert, events.endIndex)
            let rows = events[start..<end].map { event -> SQLQueryString in
                let changed = event.changed.map { $0 ? 1 : 0 }
                let failed = event.failed.map { $0 ? 1 : 0 }
                let data = event.data.map { $0.jsonString() }
                return """
                    (\(bind: jobID), \(bind: event.seq), \(bind: event.type), \(bind: event.time), \(bind: event.play),
                     \(bind: event.task), \(bind: event.host), \(bind: changed), \(bind: failed), \(bind: event.message),
                     \(bind: data))
                    """
            }
            try await sql.raw("""
                INSERT INTO job_events (job_id, seq, type, time, play, task, host, changed, failed, message, data)
                VALUES \(rows.joined(separator: ", "))
                """).run()
            start = end
        }
        await announce(.job(jobID))
    }

    /// Records how far a running job has come: its newest stored seq and its summary.
    public func updateProgress(of jobID: Int64, lastSeq: Int, summary: JobSummary) async throws {
        try await sql.raw("""
            UPDATE jobs SET last_seq = \(bind: lastSeq), summary = \(bind: StoreCoding.encode(summary))
            WHERE id = \(bind: jobID)
            """).run()
        await announce(.job(jobID))
    }

    /// A job's events after `seq`, in order, at most `limit`.
    public func events(of jobID: Int64, after seq: Int = 0, limit: Int = 500) async throws -> [JobEvent] {
        try await sql.raw("""
            SELECT * FROM job_events WHERE job_id = \(bind: jobID) AND seq > \(bind: seq)
            ORDER BY seq LIMIT \(bind: limit)
            """).all().map(StoreCoding.event(from:))
    }

    /// Appends a piece of the job's log (Ansible's stdout and stderr as printed).
    public func appendOutput(_ text: String, chunk: Int, to jobID: Int64) async throws {
        try await sql.raw("""
            INSERT INTO job_output (job_id, chunk, text) VALUES (\(bind: jobID), \(bind: chunk), \(bind: text))
            """).run()
        await announce(.job(jobID))
    }

    /// The job's whole log so far.
    public func output(of jobID: Int64) async throws -> String {
        try await sql.raw("SELECT text FROM job_output WHERE job_id = \(bind: jobID) ORDER BY chunk")
            .all(decodingColumn: "text", as: String.self).joined()
    }
}
