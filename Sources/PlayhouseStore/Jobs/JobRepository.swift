public import Foundation
public import PlayhouseCore
import SQLKit

/// Jobs: queued, claimed by a worker, held by its lease, ended; a sliced job and its slices.
public struct JobRepository: Repository {
    let store: Store

    /// Queues a new job; it is durable when this returns.
    public func insert(_ parameters: JobParameters, now: Date = Date()) async throws -> Job {
        let job = try await insertRow(parameters, now: now)
        await store.announce(.queue)
        return job
    }

    /// Writes a queued job: a slice of `parentID`, or a sliced job of `sliceCount` slices.
    /// A second job for one workflow node is refused (`conflict`): the node started already.
    func insertRow(_ parameters: JobParameters, parentID: Int64? = nil, sliceCount: Int = 0, now: Date) async throws -> Job {
        do {
            return try await sql.raw(
                """
                INSERT INTO jobs (status, project, playbook, inventory, parameters, created_at, summary, parent_id, slice_count,
                                  exclusive_key, template_id, launched_by, workflow_node_id, priority, worker_groups, weight)
                VALUES (\(status: .queued), \(bind: parameters.project), \(bind: parameters.playbook),
                        \(bind: parameters.inventory), \(bind: JSONColumn.encode(parameters)),
                        \(bind: now.timeIntervalSince1970), \(bind: JSONColumn.encode(JobSummary())), \(bind: parentID),
                        \(bind: sliceCount), \(bind: sliceCount > 0 ? nil : parameters.exclusiveKey), \(bind: parameters.templateID),
                        \(bind: parameters.launchedBy), \(bind: parentID == nil ? parameters.workflowNodeID : nil),
                        \(bind: parameters.priority ?? 0), \(bind: WorkerGroups.stored(parameters.workerGroups ?? [])),
                        \(bind: parameters.weight ?? ForkCapacity.weight(forks: parameters.forks, templateWeight: nil)))
                RETURNING *
                """
            ).inserted("job", as: Job.self)
        } catch  where parameters.workflowNodeID != nil && Store.isUniqueViolation(error) {
            throw StoreError(.conflict, "workflow node \(parameters.workflowNodeID ?? 0) has a job already")
        }
    }

    /// The job a workflow node launched, if any.
    public func launched(byNode nodeID: Int64) async throws -> Job? {
        try await sql.raw("SELECT * FROM jobs WHERE workflow_node_id = \(bind: nodeID)").first(as: Job.self)
    }

    /// The job with this id, or nil.
    public func find(_ id: Int64) async throws -> Job? {
        try await row(id, in: "jobs", as: Job.self)
    }

    /// Records how far a running job has come: its newest stored seq and its summary.
    public func updateProgress(of id: Int64, lastSeq: Int, summary: JobSummary) async throws {
        try await sql.raw(
            """
            UPDATE jobs SET last_seq = \(bind: lastSeq), summary = \(bind: JSONColumn.encode(summary))
            WHERE id = \(bind: id)
            """
        ).run()
        await store.announce(.job(id))
    }

    /// Records the commit a job of a git project runs.
    public func setCommit(_ id: Int64, commit: String) async throws {
        try await sql.raw("UPDATE jobs SET commit_sha = \(bind: commit) WHERE id = \(bind: id)").run()
    }

    /// Records the Ansible environment a job runs with.
    public func setEnvironment(_ id: Int64, environment: String) async throws {
        try await sql.raw("UPDATE jobs SET environment = \(bind: environment) WHERE id = \(bind: id)").run()
        await store.announce(.job(id))
    }
}

/// How far a job has come, as live streams read it many times a second: its status, its
/// newest stored seq and its summary as stored (JSON text, decoded by the reader only when
/// it changed).
public struct JobProgressRow: Sendable, Equatable {
    public var status: JobStatus
    public var lastSeq: Int
    public var summaryText: String

    /// The summary the text holds.
    public func summary() -> JobSummary {
        (try? JSONColumn.decode(JobSummary.self, summaryText)) ?? JobSummary()
    }
}

extension JobProgressRow: RowDecodable {
    init(row: Row) throws {
        status = try row.value("status")
        lastSeq = try row["last_seq"]
        summaryText = try row["summary"]
    }
}

extension JobRepository {
    /// The job's status, newest seq and stored summary; nil when there is no such job.
    public func progress(of id: Int64) async throws -> JobProgressRow? {
        try await sql.raw("SELECT status, last_seq, summary FROM jobs WHERE id = \(bind: id)").first(as: JobProgressRow.self)
    }
}
