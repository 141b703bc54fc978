import Foundation
import PlayhouseCore
import SQLKit

extension Store {
    /// Queues a sliced launch: a parent job that runs nothing itself, and one job per host
    /// group, limited to those hosts. The parent's status and recap follow its slices. All
    /// of them are written in one transaction: a worker never claims a slice whose
    /// siblings or parent are missing.
    public func insertSlicedJob(
        _ parameters: JobParameters, hostGroups: [[String]], now: Date = Date()
    ) async throws -> (parent: Job, slices: [Job]) {
        let inserted = try await withTransaction { store in
            let parent = try await store.insertJobRow(parameters, sliceCount: hostGroups.count, now: now)
            var slices: [Job] = []
            for hosts in hostGroups {
                var slice = parameters
                slice.slices = nil
                slice.exclusive = nil
                slice.limit = hosts.joined(separator: ",")
                slices.append(try await store.insertJobRow(slice, parentID: parent.id, now: now))
            }
            return (parent: parent, slices: slices)
        }
        await announce(.queue)
        return inserted
    }

    /// The slices of a sliced job, in order.
    public func slices(of parentID: Int64) async throws -> [Job] {
        try await sql.raw("SELECT * FROM jobs WHERE parent_id = \(bind: parentID) ORDER BY id").all().map(StoreCoding.job(from:))
    }

    /// Brings a sliced job up to date with its slices: running once one started, ended
    /// once all ended (error before failed before canceled before successful), with the
    /// slices' hosts and progress added up.
    func refreshSlicedJob(_ id: Int64, now: Date) async throws {
        let slices = try await slices(of: id)
        guard !slices.isEmpty else { return }
        var summary = JobSummary()
        for slice in slices {
            summary.hosts.merge(slice.summary.hosts) { _, new in new }
            summary.progress.tasksDone += slice.summary.progress.tasksDone
            summary.progress.tasksTotal += slice.summary.progress.tasksTotal
            if slice.status == .running {
                summary.progress.currentPlay = slice.summary.progress.currentPlay
                summary.progress.currentTask = slice.summary.progress.currentTask
            }
        }
        let total = summary.progress.tasksTotal
        summary.progress.percent = total > 0 ? min(99, summary.progress.tasksDone * 100 / total) : 0
        let statuses = slices.map(\.status)
        let status: JobStatus
        var error: String? = nil
        if statuses.allSatisfy(\.isFinal) {
            status = [JobStatus.error, .failed, .canceled].first { statuses.contains($0) } ?? .successful
            if let index = slices.firstIndex(where: { $0.status == .error }) {
                error = "slice \(index + 1) of \(slices.count): \(slices[index].error ?? "error")"
            }
            summary.finish()
        } else if statuses.contains(where: { $0 != .queued }) {
            status = .running
        } else {
            status = .queued
        }
        let started = slices.compactMap(\.startedAt).min()?.timeIntervalSince1970
        try await sql.raw("""
            UPDATE jobs SET status = \(bind: status.rawValue), started_at = \(bind: started),
                finished_at = \(bind: status.isFinal ? now.timeIntervalSince1970 : nil), error = \(bind: error),
                summary = \(bind: StoreCoding.encode(summary))
            WHERE id = \(bind: id) AND status IN ('queued', 'running')
            """).run()
        await announce(.job(id))
    }
}
