import PlayhouseCore
import Testing

/// Forge hooks' rules without a server: branch and tag patterns, reading GitHub's and
/// GitLab's push events, one repository under its many URLs, and what a push decides.
@Suite struct ForgePushTests {
    static let commit = "0123456789abcdef0123456789abcdef01234567"

    @Test func patternsAreGlobsOverTheShortName() {
        let cases: [(String, String, Bool)] = [
            ("main", "main", true), ("main", "mainline", false), ("main", "feature/main", false),
            ("release/*", "release/1.2", true), ("release/*", "release/1.2/hotfix", false), ("release/*", "release/", true),
            ("release/**", "release/1.2/hotfix", true), ("v*", "v1.2.3", true), ("v*", "version/2", false),
            ("v?", "v1", true), ("v?", "v12", false), ("*", "anything", true), ("*", "a/b", false), ("**", "a/b", true),
            ("*-stable", "4.2-stable", true), ("", "", true), ("a*b*c", "aXbYc", true), ("a*b*c", "aXbY", false),
        ]
        for (pattern, name, expected) in cases {
            #expect(ForgeFilter.glob(pattern, matches: name) == expected, "\(pattern) ~ \(name)")
        }
        let filter = ForgeFilter(branches: ["main", "release/*"], tags: ["v*"])
        #expect(filter.match(.branch("release/2")) == "release/*")
        #expect(filter.match(.tag("main")) == nil, "a tag is held to the tag patterns only")
        #expect(filter.match(.branch("v1")) == nil, "a branch to the branch patterns only")
        #expect(filter.match(.tag("v1")) == "v*")
        #expect(filter.match(.other("refs/notes/commits")) == nil)
    }

    @Test func aFilterNeedsAPatternAndRefusesFullRefNames() {
        #expect(throws: ValidationError.self) { try ForgeFilter().validate() }
        #expect(throws: ValidationError.self) { try ForgeFilter(branches: ["refs/heads/main"]).validate() }
        #expect(throws: ValidationError.self) { try ForgeFilter(branches: ["has space"]).validate() }
        #expect(throws: ValidationError.self) { try ForgeFilter(tags: [""]).validate() }
        #expect(throws: Never.self) { try ForgeFilter(tags: ["v*"]).validate() }
    }

    @Test func gitHubPushesAreRead() throws {
        let body: JSONValue = .object([
            "ref": .string("refs/heads/main"), "after": .string(Self.commit.uppercased()),
            "pusher": .object(["name": .string("alice"), "email": .string("a@example.com")]),
            "repository": .object([
                "full_name": .string("ops/site"), "clone_url": .string("https://github.com/ops/site.git"),
                "ssh_url": .string("git@github.com:ops/site.git"),
            ]),
        ])
        let push = try ForgePush.github(body)
        #expect(push.ref == .branch("main"))
        #expect(push.commit == Self.commit, "commit ids are kept in lower case")
        #expect(push.pusher == "alice")
        #expect(push.repository == "ops/site")
        #expect(
            push.variables == [
                "playhouse_git_commit": .string(Self.commit), "playhouse_git_branch": .string("main"),
                "playhouse_git_pusher": .string("alice"), "playhouse_git_repository": .string("ops/site"),
            ])
        let gitea = try ForgePush.github(
            .object([
                "ref": .string("refs/tags/v1"), "after": .string(Self.commit),
                "pusher": .object(["login": .string("bob")]), "repository": .object(["full_name": .string("ops/site")]),
            ]))
        #expect(gitea.pusher == "bob")
        #expect(gitea.variables["playhouse_git_tag"] == .string("v1"))
        #expect(gitea.variables["playhouse_git_branch"] == nil)
        let deleted = try ForgePush.github(
            .object(["ref": .string("refs/heads/old"), "after": .string(String(repeating: "0", count: 40))]))
        #expect(deleted.commit == nil)
        #expect(throws: ValidationError.self) { try ForgePush.github(.object(["after": .string(Self.commit)])) }
        #expect(throws: ValidationError.self) {
            try ForgePush.github(.object(["ref": .string("refs/heads/main"), "after": .string("--upload-pack=evil")]))
        }
    }

    @Test func gitLabPushesAreRead() throws {
        let push = try ForgePush.gitlab(
            .object([
                "object_kind": .string("tag_push"), "ref": .string("refs/tags/v2.0"), "checkout_sha": .string(Self.commit),
                "after": .string(Self.commit), "user_username": .string("carol"), "user_name": .string("Carol C"),
                "project": .object([
                    "path_with_namespace": .string("group/sub/site"), "git_http_url": .string("https://gitlab.example/group/sub/site.git"),
                    "git_ssh_url": .string("ssh://git@gitlab.example:2222/group/sub/site.git"),
                ]),
            ]))
        #expect(push.ref == .tag("v2.0"))
        #expect(push.pusher == "carol")
        #expect(push.repository == "group/sub/site")
        let deleted = try ForgePush.gitlab(
            .object(["ref": .string("refs/heads/gone"), "checkout_sha": .null, "after": .string(String(repeating: "0", count: 40))]))
        #expect(deleted.commit == nil)
    }

    @Test func oneRepositoryHasManyURLs() {
        let same = [
            "https://git.example/Ops/Site.git", "https://git.example/ops/site", "https://git.example/ops/site/",
            "git@git.example:ops/site.git", "ssh://git@git.example:2222/ops/site.git", "git://git.example/ops/site",
        ]
        for url in same { #expect(GitRemote.identity(of: url) == "git.example/ops/site", "\(url)") }
        #expect(GitRemote.identity(of: "https://git.example/ops/other.git") != GitRemote.identity(of: same[0]))
        #expect(GitRemote.identity(of: "https://other.example/ops/site.git") != GitRemote.identity(of: same[0]))
        #expect(GitRemote.identity(of: "file:///srv/git/site.git") == "/srv/git/site")
        #expect(GitRemote.identity(of: "not a url") == nil)
    }

    @Test func aPushLaunchesOnlyForItsRepositoryAndAMatchingRef() {
        let filter = ForgeFilter(branches: ["main"], tags: ["v*"])
        let project = "https://git.example/ops/site.git"
        func push(_ ref: String, commit: String? = Self.commit, urls: [String] = ["git@git.example:ops/site.git"]) -> ForgePush {
            ForgePush(ref: GitRef(ref), commit: commit, pusher: "alice", repository: "ops/site", repositoryURLs: urls)
        }
        #expect(push("refs/heads/main").decide(filter: filter, projectURL: project) == .launch(pattern: "main", commit: Self.commit))
        #expect(push("refs/tags/v1.0").decide(filter: filter, projectURL: project) == .launch(pattern: "v*", commit: Self.commit))
        guard case .ignore(let branch) = push("refs/heads/dev").decide(filter: filter, projectURL: project) else {
            Issue.record("dev launched")
            return
        }
        #expect(branch == "branch dev matches none of the hook's branch patterns (main)")
        guard
            case .ignore(let other) = push("refs/heads/main", urls: ["https://git.example/ops/fork.git"]).decide(
                filter: filter, projectURL: project)
        else {
            Issue.record("another repository launched")
            return
        }
        #expect(other.hasPrefix("the push is of another repository (ops/site)"))
        #expect(push("refs/heads/main", commit: nil).decide(filter: filter, projectURL: project) == .ignore("the push deleted branch main"))
        #expect(
            push("refs/tags/v1").decide(filter: ForgeFilter(branches: ["main"]), projectURL: project)
                == .ignore("the hook launches for no tag"))
    }

    @Test func aPushsVariablesStayDataEvenWhenEveryExtraVarIsTemplated() {
        var parameters = JobParameters(project: "p", playbook: "site.yml", inventory: "hosts.ini")
        parameters.extraVars = ["playhouse_git_branch": .string("{{ lookup('pipe','id') }}"), "replicas": .number(2)]
        parameters.apply(.always)
        #expect(parameters.extraVars == ["playhouse_git_branch": .string("{{ lookup('pipe','id') }}")], "a pusher's text is data")
        #expect(parameters.templateVars == ["replicas": .number(2)], "the rest is templated, as `always` says")
    }
}
