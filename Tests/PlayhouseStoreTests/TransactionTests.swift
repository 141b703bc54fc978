import Foundation
import PlayhouseCore
@testable import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Writes of several statements happen whole or not at all, and two of them at once do
/// not interleave, on both databases.
@Suite struct TransactionTests {
    struct Abandoned: Error {}

    @Test(arguments: TestBackend.allCases) func aTransactionThatThrowsLeavesNothingBehind(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            _ = try await store.createUser(name: "member", role: .viewer, password: "member-password", cost: 4)
            await #expect(throws: Abandoned.self) {
                try await store.withTransaction { transaction in
                    let team = try await transaction.createTeam(name: "half")
                    _ = try await transaction.setTeamMembers(team.id, users: ["member"])
                    #expect(try await transaction.team(team.id)?.members == ["member"], "the transaction sees its own writes")
                    throw Abandoned()
                }
            }
            #expect(try await store.teams().isEmpty)
            let team = try await store.withTransaction { transaction in
                let team = try await transaction.createTeam(name: "whole")
                return try await transaction.setTeamMembers(team.id, users: ["member"])
            }
            #expect(try await store.teams() == [try #require(team)])
            #expect(team?.members == ["member"])
        }
    }

    @Test(arguments: TestBackend.allCases) func aMigrationStepCommitsWithItsVersion(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let steps = Migrations.steps + ["CREATE TABLE probe (x INTEGER)"]
            // The note that the new step was applied cannot be written: the step must not stay either.
            try await store.sql.raw("ALTER TABLE schema_migrations RENAME TO applied").run()
            try await store.sql.raw("""
                CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY CHECK (version < \(unsafeRaw: String(steps.count))))
                """).run()
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

    @Test(arguments: TestBackend.allCases) func membershipChangesAtOnceLeaveOneWholeList(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let names = (0..<6).map { "member-\($0)" }
            for name in names { _ = try await store.createUser(name: name, role: .viewer, password: "member-password", cost: 4) }
            let team = try await store.createTeam(name: "crowd")
            let lists = (0..<20).map { index in (0..<3).map { names[(index + $0) % names.count] }.sorted() }
            let failures = await withTaskGroup(of: String?.self) { group in
                for list in lists {
                    group.addTask {
                        do {
                            _ = try await store.setTeamMembers(team.id, users: list)
                            return nil
                        } catch {
                            return String(reflecting: error)
                        }
                    }
                }
                return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
            }
            #expect(failures.isEmpty, "\(failures)")
            let members = try #require(try await store.team(team.id)).members
            #expect(lists.contains(members), "the members are one of the lists sent, not a mix: \(members)")
        }
    }

    @Test(arguments: TestBackend.allCases) func adminsDeletedAndDemotedAtOnceLeaveOneAdmin(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            for round in 0..<4 {
                for index in 0..<4 {
                    _ = try await store.createUser(name: "admin-\(round)-\(index)", role: .admin, password: "admin-password", cost: 4)
                }
                let admins = try await store.users().filter { $0.role == .admin }
                await withTaskGroup(of: Void.self) { group in
                    for (index, admin) in admins.enumerated() {
                        group.addTask {
                            // Each may be refused as the last admin; which one stays is up to the race.
                            if index % 2 == 0 {
                                _ = try? await store.deleteUser(admin.id)
                            } else {
                                _ = try? await store.updateUser(admin.id, role: .viewer, password: nil)
                            }
                        }
                    }
                }
                let left = try await store.users().filter { $0.role == .admin }.map(\.name)
                #expect(left.count == 1, "round \(round): \(left)")
            }
        }
    }
}
