import PlayhouseCore
import PlayhouseTestSupport
import SQLKit
import Testing

@testable import PlayhouseStore

/// The store tells a write refused by a unique index from other failures, on both
/// databases, by the database's error code: the claim of one-at-a-time jobs and the API's
/// 409 for a name taken at the same moment rely on it.
@Suite struct UniqueViolationTests {
    /// What the text of a unique violation says on either database, without being one.
    struct LookAlike: Error, CustomStringConvertible {
        var description: String { "UNIQUE constraint failed: teams.name (SQLSTATE 23505)" }
    }

    @Test(arguments: TestBackend.allCases) func aDuplicateIsRecognisedAndOtherErrorsAreNot(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            try await store.sql.raw("INSERT INTO teams (name, created_at) VALUES ('twins', 0)").run()
            let duplicate = await failure { try await store.sql.raw("INSERT INTO teams (name, created_at) VALUES ('twins', 0)").run() }
            #expect(Store.isUniqueViolation(duplicate), "a unique index: \(String(reflecting: duplicate))")

            try await store.sql.raw("INSERT INTO settings (name, value) VALUES ('probe', 'a')").run()
            let key = await failure { try await store.sql.raw("INSERT INTO settings (name, value) VALUES ('probe', 'b')").run() }
            #expect(Store.isUniqueViolation(key), "a primary key: \(String(reflecting: key))")

            let missing = await failure { try await store.sql.raw("INSERT INTO no_such_table (name) VALUES ('x')").run() }
            #expect(!Store.isUniqueViolation(missing))
            let notNull = await failure { try await store.sql.raw("INSERT INTO teams (name, created_at) VALUES (NULL, 0)").run() }
            #expect(!Store.isUniqueViolation(notNull), "another constraint: \(String(reflecting: notNull))")
            #expect(!Store.isUniqueViolation(LookAlike()), "the code decides, not the text")
        }
    }

    @Test(arguments: TestBackend.allCases) func aNameTakenAtTheSameMomentIsAUniqueViolation(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let results = await withTaskGroup(of: (any Error)?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await store.templates.create(
                                name: "same",
                                definition: TemplateDefinition(
                                    parameters: JobParameters(project: "p", playbook: "a.yml", inventory: "hosts")))
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                return await group.reduce(into: [(any Error)?]()) { $0.append($1) }
            }
            #expect(results.filter { $0 == nil }.count == 1)
            for case let error? in results {
                // Seen taken before the insert (a conflict), or refused by the index while inserting.
                let conflict = (error as? StoreError)?.code == .conflict
                #expect(conflict || Store.isUniqueViolation(error), "\(String(reflecting: error))")
            }
        }
    }

    private func failure(_ body: () async throws -> Void) async -> any Error {
        do {
            try await body()
        } catch {
            return error
        }
        Issue.record("the statement went through")
        return LookAlike()
    }
}
