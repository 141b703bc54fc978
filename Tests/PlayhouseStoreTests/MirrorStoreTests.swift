import Foundation
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// What workers record of their git mirrors, and the refreshes asked of them, on both
/// databases.
@Suite struct MirrorStoreTests {
    @Test(arguments: TestBackend.allCases) func refreshesAreDueUntilEachWorkerCarriesThemOut(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            _ = try await store.templates.saveGitProject(
                name: "site", url: "https://git.example/site.git", branch: "main", credentialID: nil)
            _ = try await store.templates.saveGitProject(
                name: "quiet", url: "https://git.example/quiet.git", branch: "main", credentialID: nil)
            #expect(try await store.mirrors.refreshesDue(worker: "w1").isEmpty, "nothing asked yet")
            #expect(try await store.mirrors.requestRefresh(of: "nope") == nil)

            var wakeups = store.notifications.subscribe(.mirrors).makeAsyncIterator()
            let now = Date(timeIntervalSince1970: 1_800_000_000.25)
            let asked = try #require(try await store.mirrors.requestRefresh(of: "site", now: now))
            #expect(await wakeups.next() != nil, "the workers are woken")
            #expect(asked == now)
            #expect(try await store.mirrors.refreshRequested(of: "site") == asked)
            #expect(try await store.mirrors.refreshRequested(of: "quiet") == nil)
            // A second server whose clock is behind still asks for a later refresh.
            let again = try #require(try await store.mirrors.requestRefresh(of: "site", now: now.addingTimeInterval(-60)))
            #expect(again > asked)

            for worker in ["w1", "w2"] {
                let due = try await store.mirrors.refreshesDue(worker: worker)
                #expect(due.map(\.project) == ["site"], "every worker, with a record or not")
            }
            let due = try #require(try await store.mirrors.refreshesDue(worker: "w1").first)
            let fetched = MirrorState(branch: "main", fetchedAt: now, commit: String(repeating: "a", count: 40), error: nil)
            try await store.mirrors.record(fetched, project: "site", worker: "w1", refreshedFor: due.requestedAt, now: now)
            #expect(try await store.mirrors.refreshesDue(worker: "w1").isEmpty, "carried out")
            #expect(try await store.mirrors.refreshesDue(worker: "w2").map(\.project) == ["site"], "w2 has not yet")

            // A run's fetch records the mirror without carrying out a refresh.
            let entry = CachedRequirements(key: "role-abc", file: "roles/requirements.yml", installedAt: now)
            try await store.mirrors.record(fetched, project: "site", worker: "w2", now: now)
            try await store.mirrors.record(requirements: [entry], project: "site", worker: "w2", now: now)
            #expect(try await store.mirrors.refreshesDue(worker: "w2").map(\.project) == ["site"])
            let failed = MirrorState(branch: "main", fetchedAt: now, commit: fetched.commit, error: "could not fetch: gone")
            try await store.mirrors.record(failed, project: "site", worker: "w1", now: now)

            let records = try await store.mirrors.records(of: "site")
            #expect(records.map(\.worker) == ["w1", "w2"])
            #expect(records[0].state == failed && records[0].refreshPending == false, "a run's record keeps the refresh carried out")
            #expect(records[1].state == fetched && records[1].requirements == [entry] && records[1].refreshPending)

            _ = try await store.mirrors.requestRefresh(of: "site", now: now.addingTimeInterval(1))
            #expect(try await store.mirrors.records(of: "site").allSatisfy(\.refreshPending), "a newer request is due everywhere")

            try await store.mirrors.forget(worker: "w2")
            #expect(try await store.mirrors.records(of: "site").map(\.worker) == ["w1"])
            try await store.mirrors.record(fetched, project: "quiet", worker: "w1", now: now)
            try await store.mirrors.forget(project: "quiet")
            #expect(try await store.mirrors.records(of: "quiet").isEmpty)
            #expect(try await store.mirrors.records(of: "site").count == 1, "another project's records stay")
            #expect(try await store.templates.deleteGitProject(named: "site"))
            #expect(try await store.mirrors.records(of: "site").isEmpty, "the records go with the project")
        }
    }

    @Test(arguments: TestBackend.allCases) func aProjectForgeHookHasOneSecretAtATime(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let box = SecretBox.random()
            #expect(try await store.templates.createProjectForgeHook(project: "nope", createdBy: "admin", box: box) == nil)
            _ = try await store.templates.saveGitProject(
                name: "site", url: "https://git.example/site.git", branch: "main", credentialID: nil)
            let first = try #require(try await store.templates.createProjectForgeHook(project: "site", createdBy: "admin", box: box))
            let second = try #require(try await store.templates.createProjectForgeHook(project: "site", createdBy: "root", box: box))
            #expect(first.secret != second.secret && second.secret.hasPrefix("phf_"))
            let stored = try #require(try await store.templates.projectForgeHook(of: "site"))
            let opened = String(decoding: try box.open(stored.sealedSecret), as: UTF8.self)
            #expect(stored.createdBy == "root" && opened == second.secret)
            #expect(try await store.templates.deleteProjectForgeHook(of: "site"))
            #expect(try await store.templates.deleteProjectForgeHook(of: "site") == false)
        }
    }
}
