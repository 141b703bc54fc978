import Foundation
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@Suite struct JobSearchStoreTests {
    func parameters(_ playbook: String, template: Int64? = nil, by user: String? = nil, project: String = "demo") -> JobParameters {
        var parameters = JobParameters(project: project, playbook: playbook, inventory: "hosts.ini")
        parameters.templateID = template
        parameters.launchedBy = user
        return parameters
    }

    func filter(_ change: (inout JobFilter) -> Void) -> JobFilter {
        var filter = JobFilter()
        change(&filter)
        return filter
    }

    @Test(arguments: TestBackend.allCases) func filtersAndWordsFindTheirJobsOnBothDatabases(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let day = Date(timeIntervalSince1970: 1_800_000_000)
            let deploy = try await store.jobs.insert(parameters("deploy.yml", template: 7, by: "ann"), now: day)
            let backup = try await store.jobs.insert(parameters("backup.yml", by: "bob"), now: day.addingTimeInterval(86_400))
            let other = try await store.jobs.insert(parameters("deploy.yml", project: "other"), now: day.addingTimeInterval(2 * 86_400))
            try await store.hosts.record([HostOutcome(host: "web-01", counts: HostCounts())], of: deploy)
            try await store.hosts.record([HostOutcome(host: "db-01", counts: HostCounts())], of: backup)
            try await store.jobs.index(deploy.id, text: "Install nginx\nweb-01\nPermission denied on /etc/nginx")
            try await store.jobs.index(backup.id, text: "Dump the database\ndb-01")
            try await store.jobs.index(backup.id, text: "Dump the database again\ndb-01")

            func ids(_ filter: JobFilter) async throws -> [Int64] { try await store.jobs.list(filter).map(\.id) }
            #expect(try await ids(JobFilter()) == [other.id, backup.id, deploy.id])
            #expect(try await ids(filter { $0.playbook = "deploy.yml" }) == [other.id, deploy.id])
            #expect(try await ids(filter { $0.templateID = 7 }) == [deploy.id])
            #expect(try await ids(filter { $0.launchedBy = "bob" }) == [backup.id])
            #expect(try await ids(filter { $0.host = "db-01" }) == [backup.id])
            #expect(try await ids(filter { $0.project = "other" }) == [other.id])
            #expect(try await ids(filter { $0.projects = ["demo"] }) == [backup.id, deploy.id])
            #expect(try await ids(filter { $0.projects = [] }) == [])
            #expect(try await ids(filter { $0.createdAfter = day.addingTimeInterval(3_600) }) == [other.id, backup.id])
            #expect(try await ids(filter { $0.createdBefore = day.addingTimeInterval(3_600) }) == [deploy.id])

            #expect(try await ids(filter { $0.text = "permission DENIED" }) == [deploy.id], "every word, either case")
            #expect(try await ids(filter { $0.text = "ngin" }) == [deploy.id], "a word is a prefix")
            #expect(try await ids(filter { $0.text = "web-01" }) == [deploy.id])
            #expect(try await ids(filter { $0.text = "again" }) == [backup.id], "indexing again replaces the words")
            #expect(try await ids(filter { $0.text = "nginx database" }) == [])
            #expect(try await ids(filter { $0.text = "\"' OR 1=1 --" }) == [], "quotes and operators are not query syntax")
            #expect(try await ids(filter { $0.text = "***" }) == [])
            #expect(
                try await ids(
                    filter {
                        $0.text = "database"
                        $0.launchedBy = "ann"
                    }) == [])
        }
    }
}
