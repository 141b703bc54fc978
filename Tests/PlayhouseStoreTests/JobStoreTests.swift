import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@Suite struct JobStoreTests {
    let parameters = JobParameters(project: "demo", playbook: "hello.yml", inventory: "inventory/local.ini")

    @Test(arguments: TestBackend.allCases) func jobsAreClaimedOldestFirstAndOnlyOnce(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let first = try await store.jobs.insert(parameters)
            let second = try await store.jobs.insert(parameters)
            #expect(first.status == .queued)
            let claimed = try await store.jobs.claimNext(worker: "w1")
            #expect(claimed?.id == first.id)
            #expect(claimed?.status == .running)
            #expect(claimed?.worker == "w1")
            #expect(claimed?.startedAt != nil)
            #expect(try await store.jobs.claimNext(worker: "w2")?.id == second.id)
            #expect(try await store.jobs.claimNext(worker: "w3") == nil)
        }
    }

    @Test(arguments: TestBackend.allCases) func higherPriorityFirstThenTheProjectWithFewestRunningThenOldest(
        backend: TestBackend
    ) async throws {
        try await TestPaths.withStore(backend) { store in
            func launch(_ project: String, priority: Int? = nil) async throws -> Int64 {
                var parameters = JobParameters(project: project, playbook: "site.yml", inventory: "hosts.ini")
                parameters.priority = priority
                return try await store.jobs.insert(parameters).id
            }
            // A nightly flood of one project, then another project's job, then an urgent fix.
            let nightly = [try await launch("nightly"), try await launch("nightly"), try await launch("nightly")]
            let other = try await launch("other")
            let urgent = try await launch("hotfix", priority: 50)
            let later = try await launch("later", priority: -10)
            var order: [Int64] = []
            while let job = try await store.jobs.claimNext(worker: "w") { order.append(job.id) }
            // The fix jumps the queue; then the flood's first and the other project take turns
            // (each project with the fewest running goes first); the low priority goes last.
            #expect(order == [urgent, nightly[0], other, nightly[1], nightly[2], later])
        }
    }

    @Test(arguments: TestBackend.allCases) func concurrentClaimsNeverShareAJob(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            for _ in 0..<30 { _ = try await store.jobs.insert(parameters) }
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var mine: [Int64] = []
                        while let job = try await store.jobs.claimNext(worker: "w\(worker)") { mine.append(job.id) }
                        return mine
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(claimed.count == 30)
            #expect(Set(claimed).count == 30)
        }
    }

    @Test(arguments: TestBackend.allCases) func finishingRecordsTheOutcomeOnceAndCompletesProgress(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let job = try await store.jobs.insert(parameters)
            _ = try await store.jobs.claimNext(worker: "w")
            var summary = JobSummary()
            summary.apply(JobEvent(seq: 1, type: .playbookStart, time: 0, data: .object(["tasks_total": .number(4)])))
            summary.apply(JobEvent(seq: 2, type: .taskStart, time: 0, task: "t"))
            #expect(try await store.jobs.finish(job.id, outcome: RunOutcome(status: .failed), exitCode: 2, summary: summary))
            #expect(try await !store.jobs.finish(job.id, outcome: RunOutcome(status: .successful), exitCode: 0, summary: summary))
            let stored = try #require(try await store.jobs.find(job.id))
            #expect(stored.status == .failed)
            #expect(stored.exitCode == 2)
            #expect(stored.finishedAt != nil)
            #expect(stored.summary.progress.percent == 100)
        }
    }

    @Test(arguments: TestBackend.allCases) func cancelEndsAQueuedJobAndFlagsARunningOne(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let running = try await store.jobs.insert(parameters)
            _ = try await store.jobs.claimNext(worker: "w")
            let queued = try await store.jobs.insert(parameters)
            let cancels = store.notifications.subscribe(.cancel(running.id))
            #expect(try await store.jobs.requestCancel(queued.id)?.status == .canceled)
            let flagged = try await store.jobs.requestCancel(running.id)
            #expect(flagged?.status == .running)
            #expect(flagged?.cancelRequested == true)
            var iterator = cancels.makeAsyncIterator()
            #expect(await iterator.next() != nil, "the worker is told")
            #expect(try await store.jobs.requestCancel(999) == nil)
        }
    }

    @Test func runningJobsAreEndedAtTheNextStartAndQueuedOnesSurvive() async throws {
        let path = try TestPaths.scratch("restart") + "/playhouse.sqlite"
        let logger = Logger(label: "test")
        let (running, queued) = try await Store.withSQLite(path: path, logger: logger) { before in
            let running = try await before.jobs.insert(parameters)
            _ = try await before.jobs.claimNext(worker: "w")
            return (running, try await before.jobs.insert(parameters))
        }
        try await Store.withSQLite(path: path, logger: logger) { after in
            #expect(try await after.jobs.interruptRunning(message: "interrupted: server stopped") == [running.id])
            let ended = try #require(try await after.jobs.find(running.id))
            #expect(ended.status == .error)
            #expect(ended.error == "interrupted: server stopped")
            #expect(try await after.jobs.find(queued.id)?.status == .queued)
            #expect(try await after.jobs.claimNext(worker: "w2")?.id == queued.id)
        }
    }

    @Test(arguments: TestBackend.allCases) func listingIsNewestFirstAndPagesByID(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            var ids: [Int64] = []
            for _ in 0..<5 { ids.append(try await store.jobs.insert(parameters).id) }
            _ = try await store.jobs.claimNext(worker: "w")
            let page = try await store.jobs.list(limit: 2)
            #expect(page.map(\.id) == [ids[4], ids[3]])
            #expect(try await store.jobs.list(limit: 2, before: ids[3]).map(\.id) == [ids[2], ids[1]])
            var running = JobFilter()
            running.status = .running
            #expect(try await store.jobs.list(running).map(\.id) == [ids[0]])
        }
    }

    @Test(arguments: TestBackend.allCases) func eventsArePagedBySeqAndCarryTheirData(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let job = try await store.jobs.insert(parameters)
            let events = (1...1500).map {
                JobEvent(
                    seq: $0, type: .ok, time: Double($0), play: "p", task: "t", host: "h\($0 % 3)",
                    changed: $0 % 2 == 0, failed: false, message: "m\($0)", data: .object(["n": .number(Double($0))]))
            }
            try await store.events.append(Array(events[0..<1200]), to: job.id)
            try await store.events.append(Array(events[1200...]), to: job.id)
            let first = try await store.events.list(of: job.id, after: 0, limit: 1000)
            #expect(first.count == 1000)
            #expect(first.first == events[0])
            let rest = try await store.events.list(of: job.id, after: 1000, limit: 1000)
            #expect(rest.map(\.seq) == Array(1001...1500))
            #expect(rest.last == events.last)

            var summary = JobSummary()
            for event in events { summary.apply(event) }
            try await store.jobs.updateProgress(of: job.id, lastSeq: 1500, summary: summary)
            let progressed = try await store.jobs.find(job.id)
            #expect(progressed?.lastSeq == 1500)
            #expect(progressed?.summary == summary)
        }
    }
}

@Suite struct InventoryStoreTests {
    @Test(arguments: TestBackend.allCases) func inventoriesAreCreatedUpdatedAndDeleted(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let created = try await store.inventories.create(name: "web", kind: .static, content: "[web]\nw1\n")
            await #expect(throws: StoreError.self) {
                try await store.inventories.create(name: "web", kind: .static, content: "x")
            }
            let updated = try await store.inventories.update(created.id, name: "web", kind: .script, content: "#!/bin/sh\n")
            #expect(updated?.kind == .script)
            #expect(try await store.inventories.list().map(\.name) == ["web"])
            #expect(try await store.inventories.delete(created.id))
            #expect(try await !store.inventories.delete(created.id))
            #expect(try await store.inventories.find(created.id) == nil)
        }
    }
}

@Suite struct ExclusiveClaimTests {
    @Test(arguments: TestBackend.allCases) func jobsOfAOneAtATimeTemplateWaitForEachOther(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            var exclusive = JobParameters(project: "p", playbook: "a.yml", inventory: "hosts")
            exclusive.templateID = 7
            exclusive.exclusive = true
            let first = try await store.jobs.insert(exclusive)
            let second = try await store.jobs.insert(exclusive)
            let other = try await store.jobs.insert(JobParameters(project: "p", playbook: "b.yml", inventory: "hosts"))
            #expect(try await store.jobs.claimNext(worker: "w1")?.id == first.id)
            #expect(try await store.jobs.claimNext(worker: "w2")?.id == other.id, "the second waits; the job behind it goes first")
            #expect(try await store.jobs.claimNext(worker: "w2") == nil)
            _ = try await store.jobs.finish(first.id, outcome: RunOutcome(status: .successful), exitCode: 0, summary: JobSummary())
            #expect(try await store.jobs.claimNext(worker: "w2")?.id == second.id, "once the first has ended")
        }
    }
}

@Suite struct ScheduleStoreTests {
    @Test(arguments: TestBackend.allCases) func exactlyOneOfManyAdvancesADueSchedule(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let template = try await store.templates.create(
                name: "t", definition: TemplateDefinition(parameters: JobParameters(project: "p", playbook: "a.yml", inventory: "hosts")))
            let schedule = try await store.templates.createSchedule(
                for: .template(template.id), cron: "0 * * * *", timeZone: "UTC",
                createdBy: "admin")
            let due = try #require(schedule.nextRunAt)
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await store.templates.advanceSchedule(schedule.id, from: due, to: due.addingTimeInterval(3600)) }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(wins == 1)
            #expect(try await store.templates.schedule(schedule.id)?.nextRunAt == due.addingTimeInterval(3600))
        }
    }
}
