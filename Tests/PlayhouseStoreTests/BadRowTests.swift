import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import SQLKit
import Testing

@testable import PlayhouseStore

/// One row that cannot be read (its JSON broken by a crash, a newer build or a hand edit)
/// never breaks a list of jobs.
@Suite struct BadRowTests {
    @Test(arguments: TestBackend.allCases) func aJobWhoseJSONCannotBeReadStillLists(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let good = try await store.jobs.insert(JobParameters(project: "demo", playbook: "hello.yml", inventory: "hosts"))
            let bad = try await store.jobs.insert(JobParameters(project: "demo", playbook: "hello.yml", inventory: "hosts"))
            try await store.sql.raw("UPDATE jobs SET parameters = 'not json', summary = '{' WHERE id = \(bind: bad.id)").run()
            let listed = try await store.jobs.list()
            #expect(Set(listed.map(\.id)) == [good.id, bad.id])
            let read = try #require(try await store.jobs.find(bad.id))
            #expect(read.parameters.project == "?")
            #expect(try await store.jobs.find(good.id)?.parameters.project == "demo")
        }
    }
}
