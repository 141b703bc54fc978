import Foundation
public import PlayhouseCore
import SQLKit

/// Finding jobs: the filters of the job list, and the words of what ran (task names,
/// hosts, failure messages) in a full-text index: SQLite's FTS5, PostgreSQL's `tsvector`.
extension JobRepository {
    /// The most of a job's words kept for search.
    static let maxSearchText = 64 * 1024

    /// Jobs newest first that `filter` keeps; `before` is the id where the previous page ended.
    public func list(_ filter: JobFilter = JobFilter(), limit: Int = 50, before: Int64? = nil) async throws -> [Job] {
        var query: SQLQueryString = "SELECT * FROM jobs WHERE 1 = 1"
        if let status = filter.status { query += " AND status = \(status: status)" }
        if let projects = filter.projects { query += " AND \(LikePattern.oneOf(projects.sorted(), in: "project"))" }
        if let project = filter.project { query += " AND project = \(bind: project)" }
        if let playbook = filter.playbook { query += " AND playbook = \(bind: playbook)" }
        if let template = filter.templateID { query += " AND template_id = \(bind: template)" }
        if let launcher = filter.launchedBy { query += " AND launched_by = \(bind: launcher)" }
        if let host = filter.host { query += " AND id IN (SELECT job_id FROM host_results WHERE host = \(bind: host))" }
        if let after = filter.createdAfter { query += " AND created_at >= \(bind: after.timeIntervalSince1970)" }
        if let until = filter.createdBefore { query += " AND created_at < \(bind: until.timeIntervalSince1970)" }
        let words = filter.words
        if filter.text != nil {
            guard !words.isEmpty else { return [] }
            query += " AND id IN (\(matching(words)))"
        }
        if let before { query += " AND id < \(bind: before)" }
        query += " ORDER BY id DESC LIMIT \(bind: limit)"
        return try await sql.raw(query).all(as: Job.self)
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
        case .sqlite:
            // Each word quoted (it holds only letters and digits), a prefix query, all of them.
            let query = words.map { "\"\($0)\"*" }.joined(separator: " ")
            return "SELECT rowid FROM job_text WHERE job_text MATCH \(bind: query)"
        case .postgres:
            let query = words.map { "\($0):*" }.joined(separator: " & ")
            return "SELECT job_id FROM job_text WHERE words @@ to_tsquery('simple', \(bind: query))"
        }
    }
}
