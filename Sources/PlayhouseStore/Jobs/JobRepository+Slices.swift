public import Foundation
public import PlayhouseCore
import SQLKit

extension JobRepository {
    /// Queues a sliced launch: a parent job that runs nothing itself, and one job per host
    /// group, limited to those hosts. The parent's status and recap follow its slices. All
    /// of them are written in one transaction: a worker never claims a slice whose
    /// siblings or parent are missing.
    public func insertSliced(
        _ parameters: JobParameters, hostGroups: [[String]], now: Date = Date()
    ) async throws -> (parent: Job, slices: [Job]) {
        try await store.withTransaction { store in
            let parent = try await store.jobs.insertRow(parameters, sliceCount: hostGroups.count, now: now)
            var slices: [Job] = []
            for hosts in hostGroups {
                var slice = parameters
                slice.slices = nil
                slice.exclusive = nil
                slice.limit = hosts.joined(separator: ",")
                slices.append(try await store.jobs.insertRow(slice, parentID: parent.id, now: now))
            }
            await store.announce(.queue)
            return (parent: parent, slices: slices)
        }
    }

    /// The slices of a sliced job, in order.
    public func slices(of parentID: Int64) async throws -> [Job] {
        try await sql.raw("SELECT * FROM jobs WHERE parent_id = \(bind: parentID) ORDER BY id").all(as: Job.self)
    }

    /// Brings a sliced job up to date after one of its slices changed (and that change
    /// committed): in a transaction of its own that locks the sliced job first, so of
    /// slices that change at once the last one to get the lock reads them all as they end
    /// up. An ordinary job's claim and end stay one statement each, the queue's fastest path.
    func refreshSliced(after parent: Int64, now: Date) async throws {
        try await store.withTransaction { try await $0.jobs.refreshSliced(parent, now: now) }
    }

    /// Brings a sliced job up to date with its slices: its status as ``JobLifecycle``
    /// derives it from theirs, its summary as ``JobSummary/init(slices:)`` adds theirs up.
    /// Runs in the transaction that changed a slice.
    func refreshSliced(_ id: Int64, now: Date) async throws {
        // Slices that change at once take turns here, so the last one reads them all as they end up.
        let current = try await sql.raw("SELECT status FROM jobs WHERE id = \(bind: id)\(store.forUpdate)")
            .first(decodingColumn: "status", as: String.self).flatMap(JobStatus.init(rawValue:))
        let slices = try await slices(of: id)
        guard let current, !slices.isEmpty, let status = JobLifecycle.next(current, on: .slicesAre(slices.map(\.status))) else {
            return
        }
        if status.isFinal, slices[0].parameters.workflowNodeID != nil { await store.announce(.workflows) }
        let summary = JobSummary(slices: slices.map { ($0.status, $0.summary) })
        var error: String? = nil
        if status.isFinal, let index = slices.firstIndex(where: { $0.status == .error }) {
            error = "slice \(index + 1) of \(slices.count): \(slices[index].error ?? "error")"
        }
        let started = slices.compactMap(\.startedAt).min()?.timeIntervalSince1970
        try await sql.raw(
            """
            UPDATE jobs SET status = \(status: status), started_at = \(bind: started),
                finished_at = \(bind: status.isFinal ? now.timeIntervalSince1970 : nil), error = \(bind: error),
                summary = \(bind: JSONColumn.encode(summary))
            WHERE id = \(bind: id) AND status IN (\(statuses: [.queued, .running]))
            """
        ).run()
        await store.announce(.job(id))
    }
}
