import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import SQLKit
import Synchronization
import Testing

@testable import PlayhouseStore

/// Writes of several statements happen whole or not at all, and two of them at once do
/// not interleave, on both databases.
@Suite struct TransactionTests {
    struct Abandoned: Error {}

    @Test(arguments: TestBackend.allCases) func aTransactionThatThrowsLeavesNothingBehind(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            _ = try await store.users.create(name: "member", role: .viewer, password: "member-password", cost: 4)
            await #expect(throws: Abandoned.self) {
                try await store.withTransaction { transaction in
                    let team = try await transaction.users.createTeam(name: "half")
                    _ = try await transaction.users.setTeamMembers(team.id, users: ["member"])
                    #expect(try await transaction.users.team(team.id)?.members == ["member"], "the transaction sees its own writes")
                    throw Abandoned()
                }
            }
            #expect(try await store.users.teams().isEmpty)
            let team = try await store.withTransaction { transaction in
                let team = try await transaction.users.createTeam(name: "whole")
                return try await transaction.users.setTeamMembers(team.id, users: ["member"])
            }
            #expect(try await store.users.teams() == [try #require(team)])
            #expect(team?.members == ["member"])
        }
    }

    @Test(arguments: TestBackend.allCases) func aMigrationStepCommitsWithItsVersion(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let steps = Migrations.steps + ["CREATE TABLE probe (x INTEGER)"]
            // The note that the new step was applied cannot be written: the step must not stay either.
            try await store.sql.raw("ALTER TABLE schema_migrations RENAME TO applied").run()
            try await store.sql.raw(
                """
                CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY CHECK (version < \(unsafeRaw: String(steps.count))))
                """
            ).run()
            try await store.sql.raw("INSERT INTO schema_migrations (version) SELECT version FROM applied").run()
            await #expect(throws: (any Error).self) { try await store.migrate(steps: steps) }
            await #expect(throws: (any Error).self, "the step was rolled back") { try await store.sql.raw("SELECT x FROM probe").run() }

            try await store.sql.raw("DROP TABLE schema_migrations").run()
            try await store.sql.raw("ALTER TABLE applied RENAME TO schema_migrations").run()
            try await store.migrate(steps: steps)
            try await store.sql.raw("SELECT x FROM probe").run()
            let versions = try await store.sql.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int.self)
            #expect(versions.sorted() == Array(1...steps.count))
        }
    }

    @Test(arguments: TestBackend.allCases) func aFailingMigrationStepLeavesTheStepsBeforeItAndNothingOfItself(
        backend: TestBackend
    ) async throws {
        try await TestPaths.withStore(backend) { store in
            // The last step fails: its table exists already.
            let failing = Migrations.steps + ["CREATE TABLE probe (x INTEGER)", "CREATE TABLE probe (y INTEGER)"]
            await #expect(throws: (any Error).self) { try await store.migrate(steps: failing) }
            try await store.sql.raw("SELECT x FROM probe").run()
            let noted = try await store.sql.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int.self)
            #expect(noted.max() == Migrations.steps.count + 1, "the step before the failing one stays applied, and only it is noted")

            let fixed = Array(failing.dropLast()) + ["CREATE TABLE probe_fixed (y INTEGER)"]
            try await store.migrate(steps: fixed)
            try await store.sql.raw("SELECT y FROM probe_fixed").run()
            let versions = try await store.sql.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int.self)
            #expect(versions.sorted() == Array(1...fixed.count), "the failed step runs whole at the next start")
        }
    }

    @Test(arguments: TestBackend.allCases) func wakeUpsOfATransactionGoOutOnlyWhenItCommits(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let woken = Mutex(0)
            let listener = Task {
                for await _ in store.notifications.subscribe(.queue) { woken.withLock { $0 += 1 } }
            }
            defer { listener.cancel() }
            try await Task.sleep(for: .milliseconds(50))
            let parameters = JobParameters(project: "demo", playbook: "hello.yml", inventory: "hosts")
            await #expect(throws: Abandoned.self) {
                try await store.withTransaction { transaction in
                    _ = try await transaction.jobs.insert(parameters)
                    throw Abandoned()
                }
            }
            let job = try await store.withTransaction { transaction in
                let job = try await transaction.jobs.insert(parameters)
                try await Task.sleep(for: .milliseconds(200))
                #expect(woken.withLock { $0 } == 0, "no one is woken before the commit, nor by a rollback")
                return job
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while woken.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(woken.withLock { $0 } > 0, "the commit wakes the queue")
            #expect(try await store.jobs.find(job.id)?.status == .queued)
        }
    }

    @Test(arguments: TestBackend.allCases) func membershipChangesAtOnceLeaveOneWholeList(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let names = (0..<6).map { "member-\($0)" }
            for name in names { _ = try await store.users.create(name: name, role: .viewer, password: "member-password", cost: 4) }
            let team = try await store.users.createTeam(name: "crowd")
            let lists = (0..<20).map { index in (0..<3).map { names[(index + $0) % names.count] }.sorted() }
            let failures = await withTaskGroup(of: String?.self) { group in
                for list in lists {
                    group.addTask {
                        do {
                            _ = try await store.users.setTeamMembers(team.id, users: list)
                            return nil
                        } catch {
                            return String(reflecting: error)
                        }
                    }
                }
                return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
            }
            #expect(failures.isEmpty, "\(failures)")
            let members = try #require(try await store.users.team(team.id)).members
            #expect(lists.contains(members), "the members are one of the lists sent, not a mix: \(members)")
        }
    }

    @Test(arguments: TestBackend.allCases) func adminsDeletedAndDemotedAtOnceLeaveOneAdmin(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            for round in 0..<4 {
                for index in 0..<4 {
                    _ = try await store.users.create(name: "admin-\(round)-\(index)", role: .admin, password: "admin-password", cost: 4)
                }
                let admins = try await store.users.list().filter { $0.role == .admin }
                await withTaskGroup(of: Void.self) { group in
                    for (index, admin) in admins.enumerated() {
                        group.addTask {
                            // Each may be refused as the last admin; which one stays is up to the race.
                            if index % 2 == 0 {
                                _ = try? await store.users.delete(admin.id)
                            } else {
                                _ = try? await store.users.update(admin.id, role: .viewer, password: nil)
                            }
                        }
                    }
                }
                let left = try await store.users.list().filter { $0.role == .admin }.map(\.name)
                #expect(left.count == 1, "round \(round): \(left)")
            }
        }
    }
}
