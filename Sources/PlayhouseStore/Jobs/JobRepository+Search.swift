import Foundation
public import PlayhouseCore
import SQLKit

/// Finding jobs: the filters of the job list, and the words of what ran (task names,
/// hosts, failure messages) in a full-text index: SQLite's FTS5, PostgreSQL's `tsvector`.
extension JobRepository {
    /// The most of a job's words kept for search.
    static let maxSearchText = 64 * 1024

    /// Jobs newest first that `filter` keeps; `before` is the id where the previous page ended.
    ///
    /// A host or words drive the query from their index, newest first, so a page costs the
    /// same whether a few jobs match or all of them.
    public func list(_ filter: JobFilter = JobFilter(), limit: Int = 50, before: Int64? = nil) async throws -> [Job] {
        let words = filter.words
        if filter.text != nil, words.isEmpty { return [] }
        var from: SQLQueryString = "jobs"
        var order: SQLQueryString = "jobs.id"
        var query: SQLQueryString = "1 = 1"
        if let host = filter.host {
            from = "host_results hr JOIN jobs ON jobs.id = hr.job_id"
            order = "hr.job_id"
            query += " AND hr.host = \(bind: host)"
            if filter.text != nil { query += " AND jobs.id IN (\(matching(words)))" }
        } else if filter.text != nil {
            switch store.dialect {
            case .sqlite:
                from = "job_text JOIN jobs ON jobs.id = job_text.rowid"
                order = "job_text.rowid"
                query += " AND job_text MATCH \(bind: Self.ftsQuery(words))"
            case .postgres:
                from = "job_text JOIN jobs ON jobs.id = job_text.job_id"
                order = "job_text.job_id"
                query += " AND job_text.words @@ to_tsquery('simple', \(bind: Self.tsQuery(words)))"
            }
        }
        if let status = filter.status { query += " AND jobs.status = \(status: status)" }
        if let projects = filter.projects { query += " AND \(LikePattern.oneOf(projects.sorted(), in: "jobs.project"))" }
        if let project = filter.project { query += " AND jobs.project = \(bind: project)" }
        if let playbook = filter.playbook { query += " AND jobs.playbook = \(bind: playbook)" }
        if let template = filter.templateID { query += " AND jobs.template_id = \(bind: template)" }
        if let launcher = filter.launchedBy { query += " AND jobs.launched_by = \(bind: launcher)" }
        if let after = filter.createdAfter { query += " AND jobs.created_at >= \(bind: after.timeIntervalSince1970)" }
        if let until = filter.createdBefore { query += " AND jobs.created_at < \(bind: until.timeIntervalSince1970)" }
        if let before { query += " AND \(order) < \(bind: before)" }
        return try await sql.raw("SELECT jobs.* FROM \(from) WHERE \(query) ORDER BY \(order) DESC LIMIT \(bind: limit)")
            .all(as: Job.self)
    }

    /// Keeps the words of a job that ended, for ``list(_:limit:before:)``.
    public func index(_ id: Int64, text: String) async throws {
        // Words as the search splits them: PostgreSQL's parser would read `web-01` as `web`
        // and the number `-01`, which the word `01` would not find.
        let words = String(text.map { $0.isLetter || $0.isNumber ? $0 : " " })
        let body = String(decoding: words.utf8.prefix(Self.maxSearchText), as: UTF8.self)
        switch store.dialect {
        case .sqlite:
            try await sql.raw("DELETE FROM job_text WHERE rowid = \(bind: id)").run()
            try await sql.raw("INSERT INTO job_text (rowid, body) VALUES (\(bind: id), \(bind: body))").run()
        case .postgres:
            try await sql.raw(
                """
                INSERT INTO job_text (job_id, body) VALUES (\(bind: id), \(bind: body))
                ON CONFLICT (job_id) DO UPDATE SET body = excluded.body
                """
            ).run()
        }
    }

    /// The ids of the jobs whose words hold each of `words` as a prefix of one of theirs.
    private func matching(_ words: [String]) -> SQLQueryString {
        switch store.dialect {
        case .sqlite: "SELECT rowid FROM job_text WHERE job_text MATCH \(bind: Self.ftsQuery(words))"
        case .postgres: "SELECT job_id FROM job_text WHERE words @@ to_tsquery('simple', \(bind: Self.tsQuery(words)))"
        }
    }

    /// FTS5: each word quoted (it holds only letters and digits), a prefix query, all of them.
    private static func ftsQuery(_ words: [String]) -> String {
        words.map { "\"\($0)\"*" }.joined(separator: " ")
    }

    /// PostgreSQL: each word a prefix, all of them.
    private static func tsQuery(_ words: [String]) -> String {
        words.map { "\($0):*" }.joined(separator: " & ")
    }
}
