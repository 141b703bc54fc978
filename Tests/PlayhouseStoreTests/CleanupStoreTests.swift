import Foundation
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Retention on both databases: what a cleanup deletes, what it keeps, and that a dry run
/// counts the same and deletes nothing.
@Suite struct CleanupStoreTests {
    let day: TimeInterval = 86_400

    /// A job of `template` that ran and ended `daysAgo`, with an event, a log line, a host
    /// result on `host` and a delivery.
    func ended(_ store: Store, template: Int64? = nil, daysAgo: Double, host: String = "h1", slices: Int = 0) async throws -> Job {
        let time = Date().addingTimeInterval(-daysAgo * day)
        var parameters = JobParameters(project: "p", playbook: "site.yml", inventory: "hosts")
        parameters.templateID = template
        if slices > 0 {
            let (parent, children) = try await store.jobs.insertSliced(parameters, hostGroups: (1...slices).map { ["s\($0)"] }, now: time)
            for child in children {
                let claimed = try #require(try await store.jobs.claimNext(worker: "w", now: time))
                #expect(claimed.id == child.id)
                _ = try await store.jobs.finish(
                    child.id, outcome: RunOutcome(status: .successful), exitCode: 0, summary: JobSummary(), now: time)
            }
            return try #require(try await store.jobs.find(parent.id))
        }
        let queued = try await store.jobs.insert(parameters, now: time)
        let job = try #require(try await store.jobs.claimNext(worker: "w", now: time))
        #expect(job.id == queued.id)
        try await store.events.append([JobEvent(seq: 1, type: .playbookStart, time: time.timeIntervalSince1970)], to: job.id)
        try await store.output.append(OutputChunk(number: 0, firstLine: 0, text: "PLAY [all]\n"), to: job.id)
        try await store.hosts.record([HostOutcome(host: host, counts: HostCounts())], of: job, at: time)
        _ = try await store.jobs.finish(job.id, outcome: RunOutcome(status: .successful), exitCode: 0, summary: JobSummary(), now: time)
        return job
    }

    @Test(arguments: TestBackend.allCases) func oldJobsGoTheNewestOfATemplateAndWhatRunsStay(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            _ = try await store.notificationTargets.create(
                name: "n", url: "http://127.0.0.1:9/x", events: NotificationTarget.Event.allCases, format: .json, templateID: nil)
            let oldest = try await ended(store, template: 1, daysAgo: 100)
            let older = try await ended(store, template: 1, daysAgo: 95)
            let keptByCount = try await ended(store, template: 1, daysAgo: 91)
            let recent = try await ended(store, template: 1, daysAgo: 1)
            let loose = try await ended(store, daysAgo: 100, host: "h2")
            let sliced = try await ended(store, daysAgo: 100, slices: 2)
            let named = try await ended(store, daysAgo: 100, host: "h3")
            let queued = try await store.jobs.insert(
                JobParameters(project: "p", playbook: "site.yml", inventory: "hosts"), now: Date().addingTimeInterval(-100 * day))

            // A running workflow run names `named`; an ended one from long ago goes.
            let flow = WorkflowDefinition(nodes: [WorkflowNode(id: "a", kind: .template, template: .id(1))])
            let running = try await store.workflows.insertJob(
                WorkflowJobDraft(workflowID: nil, name: "running", source: nil, definition: flow, launchedBy: "admin", launch: .init()))
            var node = try #require(try await store.workflows.nodes(of: running.id).first)
            node.state = .running
            node.jobID = named.id
            #expect(try await store.workflows.save(node, expecting: [.pending]))
            let old = try await store.workflows.insertJob(
                WorkflowJobDraft(workflowID: nil, name: "old", source: nil, definition: flow, launchedBy: "admin", launch: .init()),
                now: Date().addingTimeInterval(-100 * day))
            #expect(try await store.workflows.end(old.id, status: .successful, now: Date().addingTimeInterval(-99 * day)))

            try await store.users.recordAudit(AuditEntry(time: Date().addingTimeInterval(-400 * day), actor: "a", action: .login))
            try await store.users.recordAudit(AuditEntry(time: Date().addingTimeInterval(-10 * day), actor: "a", action: .login))

            let policy = CleanupPolicy(
                endedBefore: Date().addingTimeInterval(-90 * day), keepLastPerTemplate: 2,
                auditBefore: Date().addingTimeInterval(-365 * day))
            let counted = try await store.cleanup(policy, dryRun: true)
            #expect(try await store.jobs.find(oldest.id) != nil, "a dry run deletes nothing")
            let report = try await store.cleanup(policy)
            #expect(
                report.jobs == counted.jobs && report.workflowJobs == counted.workflowJobs && report.auditEntries == counted.auditEntries)
            #expect(report.jobs == 6, "oldest, older, loose, the sliced job and its two slices: \(report)")
            #expect(report.workflowJobs == 1 && report.auditEntries == 1 && report.deliveries == 0)

            for gone in [oldest, older, loose, sliced] { #expect(try await store.jobs.find(gone.id) == nil, "job \(gone.id)") }
            #expect(try await store.jobs.slices(of: sliced.id).isEmpty)
            for kept in [keptByCount, recent, named] { #expect(try await store.jobs.find(kept.id) != nil, "job \(kept.id)") }
            #expect(try await store.jobs.find(queued.id)?.status == .queued, "a queued job is never touched")
            #expect(try await store.events.list(of: oldest.id).isEmpty)
            #expect(try await store.output.lineCount(of: oldest.id) == 0)
            #expect(try await store.workflows.job(old.id) == nil)
            #expect(try await store.workflows.job(running.id) != nil)
            #expect(try await store.users.auditLog(limit: 10).count == 1)

            let hosts = try await store.hosts.list(projects: nil, matching: nil, after: "", limit: 10)
            #expect(hosts.map(\.host).sorted() == ["h1", "h3"], "h2's only job went: \(hosts.map(\.host))")
            #expect(hosts.first { $0.host == "h1" }?.jobID == recent.id, "h1's latest job is worked out again")

            let again = try await store.cleanup(policy)
            #expect(again.jobs == 0 && again.workflowJobs == 0 && again.auditEntries == 0, "a second cleanup finds nothing")
        }
    }
}
