public import PlayhouseCore
import SQLKit

/// A job's tasks with their counts (``TaskRecord``), kept as the run goes, so a job page
/// lists a run of any size from a row per task instead of from its events.
public struct TaskRepository: Repository {
    let store: Store

    /// SQLite allows 32 766 bound values per statement; a task has 14 columns.
    static let perInsert = 1_000

    /// Stores new tasks, and the counts of the others in place of what is stored: the same
    /// tasks stored twice are stored once.
    public func add(_ changes: [TaskRecord], to jobID: Int64) async throws {
        for start in stride(from: 0, to: changes.count, by: Self.perInsert) {
            try await insert(changes[start..<min(start + Self.perInsert, changes.count)], to: jobID)
        }
    }

    private func insert(_ changes: ArraySlice<TaskRecord>, to jobID: Int64) async throws {
        let rows = changes.map { task -> SQLQueryString in
            let counts = task.counts
            return """
                (\(bind: jobID), \(bind: task.seq), \(bind: task.play), \(bind: task.name), \(bind: task.handler ? 1 : 0),
                 \(bind: task.line), \(bind: counts.ok), \(bind: counts.changed), \(bind: counts.failed), \(bind: counts.ignored),
                 \(bind: counts.skipped), \(bind: counts.unreachable), \(bind: counts.items), \(bind: counts.failedItems))
                """
        }
        // One statement, whole by itself: no transaction around it.
        try await sql.raw(
            """
            INSERT INTO job_tasks (job_id, seq, play, name, handler, line, ok, changed, failed, ignored, skipped, unreachable,
                items, failed_items)
            VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (job_id, seq) DO UPDATE SET ok = excluded.ok, changed = excluded.changed, failed = excluded.failed,
                ignored = excluded.ignored, skipped = excluded.skipped, unreachable = excluded.unreachable, items = excluded.items,
                failed_items = excluded.failed_items
            """
        ).run()
    }

    /// The job's tasks after seq `after`, in order, at most `limit`.
    public func list(of jobID: Int64, after: Int, limit: Int) async throws -> [TaskRecord] {
        try await sql.raw(
            """
            SELECT * FROM job_tasks WHERE job_id = \(bind: jobID) AND seq > \(bind: after) ORDER BY seq LIMIT \(bind: limit)
            """
        ).all(as: TaskRecord.self)
    }

    /// The job's task that started at `seq`, or nil.
    public func find(_ seq: Int, of jobID: Int64) async throws -> TaskRecord? {
        try await sql.raw("SELECT * FROM job_tasks WHERE job_id = \(bind: jobID) AND seq = \(bind: seq)").first(as: TaskRecord.self)
    }

    /// The results of the task that started at `seq` (host results, loop items, retries)
    /// after seq `after`, at most `limit`: the events that name it, up to the next start
    /// of a task of the same play and name.
    public func results(of task: TaskRecord, in jobID: Int64, after: Int, limit: Int) async throws -> [JobEvent] {
        let next =
            try await sql.raw(
                """
                SELECT MIN(seq) AS next FROM job_tasks
                WHERE job_id = \(bind: jobID) AND seq > \(bind: task.seq) AND play = \(bind: task.play) AND name = \(bind: task.name)
                """
            ).first(decodingColumn: "next", as: Int?.self) ?? nil
        let types = EventType.results.map { SQLQueryString("\(bind: $0.name)") }
        return try await sql.raw(
            """
            SELECT * FROM job_events
            WHERE job_id = \(bind: jobID) AND seq > \(bind: max(after, task.seq)) AND seq < \(bind: next ?? Int(Int32.max))
                AND COALESCE(play, '') = \(bind: task.play) AND COALESCE(task, '') = \(bind: task.name)
                AND type IN (\(types.joined(separator: ", ")))
            ORDER BY seq LIMIT \(bind: limit)
            """
        ).all(as: JobEvent.self)
    }
}

extension TaskRecord: RowDecodable {
    init(row: Row) throws {
        self.init(
            seq: try row["seq"], play: try row["play"], name: try row["name"], handler: try row.flag("handler"), line: try row["line"])
        counts.ok = try row["ok"]
        counts.changed = try row["changed"]
        counts.failed = try row["failed"]
        counts.ignored = try row["ignored"]
        counts.skipped = try row["skipped"]
        counts.unreachable = try row["unreachable"]
        counts.items = try row["items"]
        counts.failedItems = try row["failed_items"]
    }
}
