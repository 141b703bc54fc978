import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// What only a shared PostgreSQL database does: two processes (two stores here) see each
/// other's writes and wake-ups.
@Suite struct PostgresStoreTests {
    let parameters = JobParameters(project: "demo", playbook: "hello.yml", inventory: "inventory/local.ini")

    @Test func wakeUpsCrossToAnotherStoreOnTheSameDatabase() async throws {
        try await TestPostgres.with { url in
            try await Store.withPostgres(url: url, logger: Logger(label: "a")) { web in
                try await Store.withPostgres(url: url, logger: Logger(label: "b")) { worker in
                    var queue = worker.notifications.subscribe(.queue).makeAsyncIterator()
                    let job = try await web.jobs.insert(parameters)
                    #expect(await queue.next() != nil, "a worker hears of a queued job")

                    var events = web.notifications.subscribe(.job(job.id)).makeAsyncIterator()
                    var cancels = worker.notifications.subscribe(.cancel(job.id)).makeAsyncIterator()
                    let claimed = try await worker.jobs.claimNext(worker: "w1")
                    #expect(claimed?.id == job.id)
                    #expect(await events.next() != nil)
                    try await worker.events.append(
                        [JobEvent(seq: 1, type: .playbookStart, time: 1)], to: job.id)
                    #expect(await events.next() != nil, "the web process hears of new events")
                    #expect(try await web.events.list(of: job.id).map(\.seq) == [1])

                    _ = try await web.jobs.requestCancel(job.id)
                    #expect(await cancels.next() != nil, "the worker hears of the cancel")
                    #expect(try await worker.jobs.find(job.id)?.cancelRequested == true)

                    var refreshes = worker.notifications.subscribe(.mirrors).makeAsyncIterator()
                    _ = try await web.templates.saveGitProject(
                        name: "site", url: "https://git.example/site.git", branch: "main", credentialID: nil)
                    #expect(try await web.mirrors.requestRefresh(of: "site") != nil)
                    #expect(await refreshes.next() != nil, "the worker hears of the refresh")
                    #expect(try await worker.mirrors.refreshesDue(worker: "w1").map(\.project) == ["site"])
                }
            }
        }
    }

    @Test func badURLsAreExplained() async throws {
        await #expect(throws: StoreError.self) {
            try await Store.withPostgres(url: "mysql://x", logger: Logger(label: "t")) { _ in }
        }
    }
}
