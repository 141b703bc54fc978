import PlayhouseCore
@testable import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// The store tells a write refused by a unique index from other failures, on both
/// databases: the claim of one-at-a-time jobs and the API's 409 for a name taken at the
/// same moment rely on it.
@Suite struct UniqueViolationTests {
    @Test(arguments: TestBackend.allCases) func aDuplicateIsRecognisedAndOtherErrorsAreNot(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            try await store.sql.raw("INSERT INTO teams (name, created_at) VALUES ('twins', 0)").run()
            do {
                try await store.sql.raw("INSERT INTO teams (name, created_at) VALUES ('twins', 0)").run()
                Issue.record("the second insert of one name went through")
            } catch {
                #expect(Store.isUniqueViolation(error), "\(String(reflecting: error))")
            }
            do {
                try await store.sql.raw("INSERT INTO no_such_table (name) VALUES ('x')").run()
                Issue.record("an insert into a missing table went through")
            } catch {
                #expect(!Store.isUniqueViolation(error))
            }
        }
    }
}
