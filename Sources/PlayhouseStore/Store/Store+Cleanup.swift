public import Foundation
import PlayhouseCore
import SQLKit

/// What a cleanup removes: jobs (with their events, log, tasks, host results and
/// deliveries) and workflow runs that ended before `endedBefore`, but never the newest
/// `keepLastPerTemplate` jobs of a template; audit entries older than `auditBefore`.
public struct CleanupPolicy: Sendable, Equatable {
    public var endedBefore: Date
    public var keepLastPerTemplate: Int
    /// Nil keeps the whole audit log.
    public var auditBefore: Date?

    public init(endedBefore: Date, keepLastPerTemplate: Int = 0, auditBefore: Date? = nil) {
        self.endedBefore = endedBefore
        self.keepLastPerTemplate = keepLastPerTemplate
        self.auditBefore = auditBefore
    }
}

/// What a cleanup removed, or with `dryRun` would remove.
public struct CleanupReport: Sendable, Equatable {
    /// Jobs, slices counted.
    public var jobs = 0
    public var workflowJobs = 0
    public var deliveries = 0
    public var auditEntries = 0
    /// SQLite pages given back to the file system (0 on PostgreSQL, which autovacuum serves).
    public var pagesFreed = 0

    public init() {}
}

extension Store {
    /// Jobs deleted per transaction: a cleanup never holds the database for long.
    static let cleanupBatch = 200

    /// Deletes what `policy` says is past its retention. A queued or running job is never
    /// touched, nor a job a running workflow run names. With `dryRun`, only counts.
    public func cleanup(_ policy: CleanupPolicy, dryRun: Bool = false) async throws -> CleanupReport {
        var report = CleanupReport()
        let cutoff = policy.endedBefore.timeIntervalSince1970
        let ended: [JobStatus] = [.successful, .failed, .error, .canceled]
        let candidates: SQLQueryString = """
            SELECT j.id FROM jobs j
            WHERE j.parent_id IS NULL AND j.status IN (\(statuses: ended)) AND j.finished_at < \(bind: cutoff)
              AND (j.template_id IS NULL
                   OR (SELECT COUNT(*) FROM jobs k WHERE k.template_id = j.template_id AND k.parent_id IS NULL AND k.id > j.id)
                      >= \(bind: policy.keepLastPerTemplate))
              AND NOT EXISTS (SELECT 1 FROM workflow_nodes n JOIN workflow_jobs w ON w.id = n.workflow_job_id
                              WHERE n.job_id = j.id AND w.status = \(bind: JobStatus.running.rawValue))
            ORDER BY j.id
            """
        let endedRuns: SQLQueryString = """
            FROM workflow_jobs WHERE status <> \(bind: JobStatus.running.rawValue) AND finished_at < \(bind: cutoff)
            """
        let oldDeliveries: SQLQueryString = """
            FROM deliveries WHERE status <> \(bind: Delivery.Status.pending.rawValue) AND created_at < \(bind: cutoff)
            """
        let oldAudit: SQLQueryString = "FROM audit_log WHERE time < \(bind: policy.auditBefore?.timeIntervalSince1970 ?? -1)"
        if dryRun {
            let ids = try await sql.raw(candidates).all(decodingColumn: "id", as: Int64.self)
            report.jobs = ids.count
            for batch in ids.chunked(Self.cleanupBatch) {
                report.jobs += try await count("FROM jobs WHERE parent_id IN (\(binds: Array(batch)))")
            }
            report.workflowJobs = try await count(endedRuns)
            report.deliveries = try await count(oldDeliveries)
            report.auditEntries = try await count(oldAudit)
            return report
        }
        while true {
            let ids = try await sql.raw(candidates + " LIMIT \(bind: Self.cleanupBatch)").all(decodingColumn: "id", as: Int64.self)
            guard !ids.isEmpty else { break }
            report.jobs += try await withTransaction { try await $0.deleteJobs(ids) }
        }
        report.workflowJobs = try await deleted("DELETE " + endedRuns)
        report.deliveries = try await deleted("DELETE " + oldDeliveries)
        report.auditEntries = try await deleted("DELETE " + oldAudit)
        if dialect == .sqlite { report.pagesFreed = try await vacuum() }
        return report
    }

    /// Deletes jobs and their slices with all they hold; each host's latest job is worked
    /// out again for the hosts whose latest was among them. Returns how many jobs went.
    private func deleteJobs(_ ids: [Int64]) async throws -> Int {
        let doomed: SQLQueryString = "SELECT id FROM jobs WHERE id IN (\(binds: ids)) OR parent_id IN (\(binds: ids))"
        let all = try await sql.raw(doomed).all(decodingColumn: "id", as: Int64.self)
        let latest = try await sql.raw("SELECT host, project FROM host_latest WHERE job_id IN (\(binds: all))").all()
        try await sql.raw("DELETE FROM deliveries WHERE job_id IN (\(binds: all))").run()
        try await sql.raw("DELETE FROM host_latest WHERE job_id IN (\(binds: all))").run()
        // SQLite's full-text table knows no foreign key; PostgreSQL's cascades.
        if dialect == .sqlite { try await sql.raw("DELETE FROM job_text WHERE rowid IN (\(binds: all))").run() }
        // Slices first: a slice names its sliced job.
        try await sql.raw("DELETE FROM jobs WHERE parent_id IN (\(binds: ids))").run()
        try await sql.raw("DELETE FROM jobs WHERE id IN (\(binds: ids))").run()
        for row in latest {
            let host = try row.decode(column: "host", as: String.self)
            let project = try row.decode(column: "project", as: String.self)
            try await sql.raw(
                """
                INSERT INTO host_latest (host, project, job_id)
                SELECT host, project, MAX(job_id) FROM host_results WHERE host = \(bind: host) AND project = \(bind: project)
                GROUP BY host, project
                """
            ).run()
        }
        return all.count
    }

    private func count(_ from: SQLQueryString) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n " + from).first(decodingColumn: "n", as: Int.self) ?? 0
    }

    private func deleted(_ statement: SQLQueryString) async throws -> Int {
        try await sql.raw(statement + " RETURNING 1 AS one").all().count
    }

    /// Gives the free pages of the SQLite file back: in steps once the file allows it, or
    /// with one VACUUM that switches an older file to allow it. Returns the pages freed.
    private func vacuum() async throws -> Int {
        try await withSession { session in
            let pages = { try await session.raw("PRAGMA page_count").first(decodingColumn: "page_count", as: Int.self) ?? 0 }
            let before = try await pages()
            let mode = try await session.raw("PRAGMA auto_vacuum").first(decodingColumn: "auto_vacuum", as: Int.self) ?? 0
            try await session.raw(mode == 2 ? "PRAGMA incremental_vacuum" : "VACUUM").run()
            return max(0, before - (try await pages()))
        }
    }
}

extension Array {
    /// The array in pieces of at most `size`.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
