public import Foundation
public import PlayhouseCore
import SQLKit

/// Every host that ever reported: each job's outcome per host, and the facts runs
/// gathered, kept per project and inventory (as Ansible's fact cache is).
///
/// Reads take the projects the reader may see (nil: all), since a host is seen through
/// the jobs that ran on it.
public struct HostRepository: Repository {
    let store: Store

    /// SQLite allows 32 766 bound values per statement; a result has 14 columns.
    static let perInsert = 1_000

    /// Keeps how job `job` went on each of its hosts.
    public func record(_ outcomes: [HostOutcome], of job: Job, at time: Date = Date()) async throws {
        for start in stride(from: 0, to: outcomes.count, by: Self.perInsert) {
            let rows = outcomes[start..<min(start + Self.perInsert, outcomes.count)].map { outcome -> SQLQueryString in
                let counts = outcome.counts
                return """
                    (\(bind: job.id), \(bind: outcome.host), \(bind: job.parameters.project), \(bind: outcome.status), \(bind: counts.ok),
                     \(bind: counts.changed), \(bind: counts.failed), \(bind: counts.unreachable), \(bind: counts.skipped),
                     \(bind: counts.rescued), \(bind: counts.ignored), \(bind: outcome.failedTask), \(bind: outcome.failure),
                     \(bind: time.timeIntervalSince1970))
                    """
            }
            try await sql.raw(
                """
                INSERT INTO host_results (job_id, host, project, status, ok, changed, failed, unreachable, skipped, rescued, ignored,
                    failed_task, failure, finished_at)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (job_id, host) DO NOTHING
                """
            ).run()
            let latest = outcomes[start..<min(start + Self.perInsert, outcomes.count)].map { outcome -> SQLQueryString in
                "(\(bind: outcome.host), \(bind: job.parameters.project), \(bind: job.id))"
            }
            try await sql.raw(
                """
                INSERT INTO host_latest (host, project, job_id) VALUES \(latest.joined(separator: ", "))
                ON CONFLICT (host, project) DO UPDATE SET job_id = excluded.job_id WHERE excluded.job_id > host_latest.job_id
                """
            ).run()
        }
    }

    /// Replaces the facts of these hosts of `project` and `inventory` (as a job's
    /// parameters name them) with what job `jobID` gathered.
    public func saveFacts(
        _ facts: [String: JSONValue], project: String, inventory: String, jobID: Int64, at time: Date = Date()
    ) async throws {
        for (host, value) in facts {
            try await sql.raw(
                """
                INSERT INTO host_facts (project, inventory, host, facts, job_id, updated_at)
                VALUES (\(bind: project), \(bind: inventory), \(bind: host), \(bind: value.jsonString()), \(bind: jobID),
                    \(bind: time.timeIntervalSince1970))
                ON CONFLICT (project, inventory, host) DO UPDATE SET facts = excluded.facts, job_id = excluded.job_id,
                    updated_at = excluded.updated_at
                """
            ).run()
        }
    }

    /// The last known facts of the hosts of `project` and `inventory`, by host: the fact
    /// cache a run of that inventory starts with.
    public func cachedFacts(project: String, inventory: String) async throws -> [String: JSONValue] {
        let rows = try await sql.raw(
            "SELECT * FROM host_facts WHERE project = \(bind: project) AND inventory = \(bind: inventory)"
        ).all(as: HostFacts.self)
        return Dictionary(rows.map { ($0.host, $0.facts) }) { _, last in last }
    }

    /// Hosts in name order after `after`, each with its latest result: those whose name,
    /// or whose facts, hold `text`.
    public func list(projects: Set<String>?, matching text: String?, after: String, limit: Int) async throws -> [HostResult] {
        var filter: SQLQueryString = "host > \(bind: after)"
        if let projects { filter = "\(filter) AND \(LikePattern.oneOf(projects, in: "project"))" }
        if let text, !text.isEmpty {
            var facts: SQLQueryString = "SELECT host FROM host_facts WHERE \(LikePattern.contains(text, in: "facts"))"
            if let projects { facts = "\(facts) AND \(LikePattern.oneOf(projects, in: "project"))" }
            filter = "\(filter) AND (\(LikePattern.contains(text, in: "host")) OR host IN (\(facts)))"
        }
        return try await sql.raw(
            """
            SELECT r.*, j.playbook FROM host_results r
            JOIN (SELECT host AS latest_host, MAX(job_id) AS latest_job FROM host_latest WHERE \(filter)
                GROUP BY host ORDER BY host LIMIT \(bind: limit)) latest
                ON r.host = latest.latest_host AND r.job_id = latest.latest_job
            JOIN jobs j ON j.id = r.job_id
            ORDER BY r.host
            """
        ).all(as: HostResult.self)
    }

    /// The host's latest results, newest first.
    public func history(of host: String, projects: Set<String>?, before: Int64?, limit: Int) async throws -> [HostResult] {
        var filter: SQLQueryString = "r.host = \(bind: host)"
        if let projects { filter = "\(filter) AND \(LikePattern.oneOf(projects, in: "r.project"))" }
        if let before { filter = "\(filter) AND r.job_id < \(bind: before)" }
        return try await sql.raw(
            """
            SELECT r.*, j.playbook FROM host_results r JOIN jobs j ON j.id = r.job_id
            WHERE \(filter) ORDER BY r.job_id DESC LIMIT \(bind: limit)
            """
        ).all(as: HostResult.self)
    }

    /// The host's facts, as each project and inventory knows them, newest first.
    public func facts(of host: String, projects: Set<String>?) async throws -> [HostFacts] {
        var filter: SQLQueryString = "host = \(bind: host)"
        if let projects { filter = "\(filter) AND \(LikePattern.oneOf(projects, in: "project"))" }
        return try await sql.raw("SELECT * FROM host_facts WHERE \(filter) ORDER BY updated_at DESC").all(as: HostFacts.self)
    }
}

/// How one job went on one host.
public struct HostResult: Sendable, Equatable {
    public var jobID: Int64
    public var host: String
    public var project: String
    public var playbook: String
    public var outcome: HostOutcome
    public var finishedAt: Date
}

extension HostResult: RowDecodable {
    init(row: Row) throws {
        var counts = HostCounts()
        counts.ok = try row["ok"]
        counts.changed = try row["changed"]
        counts.failed = try row["failed"]
        counts.unreachable = try row["unreachable"]
        counts.skipped = try row["skipped"]
        counts.rescued = try row["rescued"]
        counts.ignored = try row["ignored"]
        host = try row["host"]
        jobID = try row["job_id"]
        project = try row["project"]
        playbook = try row["playbook"]
        outcome = HostOutcome(host: host, counts: counts, failedTask: try row["failed_task"], failure: try row["failure"])
        finishedAt = try row.time("finished_at")
    }
}

/// A host's facts as one project and inventory last knew them.
public struct HostFacts: Sendable, Equatable {
    public var project: String
    public var inventory: String
    public var host: String
    public var facts: JSONValue
    /// The job that gathered them.
    public var jobID: Int64
    public var updatedAt: Date
}

extension HostFacts: RowDecodable {
    init(row: Row) throws {
        project = try row["project"]
        inventory = try row["inventory"]
        host = try row["host"]
        let text: String = try row["facts"]
        facts = JSONValue.parse(text) ?? .object([:])
        jobID = try row["job_id"]
        updatedAt = try row.time("updated_at")
    }
}
