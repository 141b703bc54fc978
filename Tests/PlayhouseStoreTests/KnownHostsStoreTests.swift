import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// A git project's SSH host keys on both databases: learned once, confirmed only as seen,
/// cleared, given by an admin, kept by a save that gives none.
@Suite struct KnownHostsStoreTests {
    static let first = "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJoXg8xLvAZTb5heJYWIrCXLGdTvbRzVR/3vRnzJpmJ3\n"
    static let second = "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2Kn0vfvCWz0Ov0T6U5iqWq9P3m1Nwv5zH8Q3yVbLhX\n"

    @Test(arguments: TestBackend.allCases) func keysAreLearnedOnceThenConfirmedClearedOrGiven(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let templates = store.templates
            let url = "ssh://git@127.0.0.1:2222/repo.git"
            let made = try await templates.saveGitProject(name: "site", url: url, branch: "main", credentialID: nil)
            #expect(made.knownHosts.isEmpty && !made.knownHostsConfirmed)
            #expect(try await templates.confirmKnownHosts(ofGitProject: "site", seen: nil) == nil, "nothing to confirm yet")

            #expect(try await templates.learnKnownHosts(KnownHosts(validating: Self.first), ofGitProject: "site"))
            #expect(
                try await !templates.learnKnownHosts(KnownHosts(validating: Self.second), ofGitProject: "site"),
                "the first keys learned stay: a later clone checks against them")
            let learned = try #require(try await templates.gitProject(named: "site"))
            #expect(learned.knownHosts == Self.first && !learned.knownHostsConfirmed)

            #expect(try await templates.confirmKnownHosts(ofGitProject: "site", seen: Self.second) == nil, "only what was seen")
            #expect(try await templates.confirmKnownHosts(ofGitProject: "site", seen: Self.first)?.knownHostsConfirmed == true)
            let saved = try await templates.saveGitProject(name: "site", url: url, branch: "next", credentialID: nil)
            #expect(saved.knownHosts == Self.first && saved.knownHostsConfirmed, "a save without known hosts keeps them")

            let cleared = try #require(try await templates.clearKnownHosts(ofGitProject: "site"))
            #expect(cleared.knownHosts.isEmpty && !cleared.knownHostsConfirmed)
            #expect(try await templates.clearKnownHosts(ofGitProject: "nope") == nil)

            let given = try await templates.saveGitProject(
                name: "site", url: url, branch: "main", credentialID: nil, knownHosts: Self.second)
            #expect(given.knownHosts == Self.second && given.knownHostsConfirmed, "an admin's keys are confirmed")
            #expect(try await !templates.learnKnownHosts(KnownHosts(validating: Self.first), ofGitProject: "site"))
            let emptied = try await templates.saveGitProject(name: "site", url: url, branch: "main", credentialID: nil, knownHosts: "")
            #expect(emptied.knownHosts.isEmpty && !emptied.knownHostsConfirmed)
            await #expect(throws: ValidationError.self) {
                try await templates.saveGitProject(name: "site", url: url, branch: "main", credentialID: nil, knownHosts: "just words")
            }
        }
    }
}
