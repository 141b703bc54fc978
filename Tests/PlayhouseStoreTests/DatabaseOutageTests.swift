import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing
import _ConnectionPoolModule

/// A store whose PostgreSQL goes away and comes back: statements fail at once meanwhile,
/// the store says so, and once it reconnects it listens again and wakes everyone.
@Suite(.serialized) struct DatabaseOutageTests {
    let parameters = JobParameters(project: "demo", playbook: "hello.yml", inventory: "inventory/local.ini")

    @Test func aStoreReconnectsListensAgainAndWakesEveryoneAfterARestart() async throws {
        try await TestPostgres.withServer { server in
            try await Store.withPostgres(url: server.url, logger: Logger(label: "web")) { web in
                try await Store.withPostgres(url: server.url, logger: Logger(label: "worker")) { worker in
                    #expect(worker.databaseStatus == .reachable(since: nil))
                    let job = try await web.jobs.insert(parameters)
                    try await server.stop()
                    try await eventually("the worker's store hears that the database is away") {
                        if case .unreachable = worker.databaseStatus { true } else { false }
                    }
                    let asked = ContinuousClock.now
                    await #expect {
                        _ = try await worker.jobs.find(job.id)
                    } throws: { Store.isUnavailable($0) }
                    print("a statement while the database is away failed after \(asked.duration(to: .now))")

                    let missed = worker.notifications.subscribe(.job(job.id))
                    try await server.start()
                    #expect(await arrives(missed), "a reconnect wakes the job's subscribers, who read what they missed")
                    guard case .reachable(let since?) = worker.databaseStatus else {
                        Issue.record("reachable again, since the reconnect: \(worker.databaseStatus)")
                        return
                    }
                    #expect(!worker.databaseStatus.isReachable(forAtLeast: .seconds(600)) && since <= .now)

                    // LISTEN is issued again: a job queued by the other process wakes this one.
                    let queue = worker.notifications.subscribe(.queue)
                    try await eventually("the web process's store is back") { (try? await web.jobs.find(job.id)) != nil }
                    _ = try await web.jobs.insert(parameters)
                    #expect(await arrives(queue), "notifications cross between the processes again")
                }
            }
        }
    }

    /// The server vanishes without closing the listening connection (a failover behind the
    /// same address, a dropped network): the probe finds it silent, and the store listens
    /// again on a new connection and wakes everyone. Without it, this store would hear
    /// nothing until the operating system gave up on the connection, hours later.
    @Test func aListeningConnectionThatFallsSilentIsReplaced() async throws {
        try await TestPostgres.with { url in
            let components = try #require(URLComponents(string: url))
            try await FreezeProxy.with(target: try #require(components.port)) { proxy in
                var proxied = components
                proxied.port = proxy.port
                let address = try #require(proxied.string)
                try await Store.withPostgres(url: url, logger: Logger(label: "web")) { web in
                    try await Store.withPostgres(url: address, logger: Logger(label: "worker")) { worker in
                        let queue = worker.notifications.subscribe(.queue)
                        _ = try await web.jobs.insert(parameters)
                        #expect(await arrives(queue), "the worker hears the web process through the proxy")

                        proxy.freeze()
                        let frozen = ContinuousClock.now
                        let missed = worker.notifications.subscribe(.queue)
                        _ = try await web.jobs.insert(parameters)
                        #expect(await arrives(missed), "a new listening connection wakes the subscribers, who read what they missed")
                        print("a silent listening connection was replaced after \(frozen.duration(to: .now))")
                    }
                }
            }
        }
    }

    /// A statement waiting on the pool the link retires when the database goes away fails
    /// with the pool's own error, which PostgresNIO passes on as it is: that is the database
    /// being away too, so a running job keeps its updates instead of ending "the run failed".
    @Test func aRetiredPoolsErrorSaysTheDatabaseIsAway() {
        #expect(Store.isUnavailable(ConnectionPoolError.poolShutdown))
        #expect(Store.isUnavailable(ConnectionPoolError.connectionCreationCircuitBreakerTripped))
        #expect(!Store.isUnavailable(ConnectionPoolError.requestCancelled))
    }

    @Test func writesSentAgainAfterALostAnswerAreStoredOnce() async throws {
        try await TestPostgres.with { url in
            try await Store.withPostgres(url: url, logger: Logger(label: "t")) { store in
                let job = try await store.jobs.insert(parameters)
                _ = try await store.jobs.claimNext(worker: "w1")
                let events = (1...3).map { JobEvent(seq: $0, type: .taskStart, time: Double($0), task: "t\($0)") }
                try await store.events.append(events, to: job.id)
                try await store.events.append(events + [JobEvent(seq: 4, type: .stats, time: 4)], to: job.id)
                #expect(try await store.events.list(of: job.id).map(\.seq) == [1, 2, 3, 4])

                let chunk = OutputChunk(number: 1, firstLine: 0, text: "one\ntwo\n")
                try await store.output.append(chunk, to: job.id)
                try await store.output.append(chunk, to: job.id)
                #expect(try await store.output.lineCount(of: job.id) == 2)

                var task = TaskRecord(seq: 1, play: "p", name: "t1", handler: false, line: 0)
                task.counts.ok = 2
                try await store.tasks.add([task], to: job.id)
                try await store.tasks.add([task], to: job.id)
                #expect(try await store.tasks.list(of: job.id, after: 0, limit: 10).map(\.counts.ok) == [2])
            }
        }
    }

    @Test func aStoreOpenedWhileTheDatabaseIsDownWaitsForIt() async throws {
        try await TestPostgres.withServer { server in
            try await server.stop()
            await #expect {
                try await Store.withPostgres(url: server.url, logger: Logger(label: "once")) { _ in }
            } throws: { Store.isUnavailable($0) }

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Store.withPostgres(url: server.url, logger: Logger(label: "patient"), waitLimit: nil) { store in
                        #expect(store.databaseStatus != .reachable(since: nil), "it came back: the wait counts as time away")
                        _ = try await store.jobs.insert(parameters)
                    }
                }
                try await Task.sleep(for: .seconds(2))
                try await server.start()
                try await group.waitForAll()
            }
        }
    }

    /// Whether a wake-up comes within a minute.
    private func arrives(_ stream: AsyncStream<Void>) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var wakes = stream.makeAsyncIterator()
                return await wakes.next() != nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(60))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw NotInTime(what: what) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private struct NotInTime: Error, CustomStringConvertible {
        let what: String
        var description: String { "not within a minute: \(what)" }
    }
}
