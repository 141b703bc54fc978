/// A push a forge reported (GitHub, Gitea, Forgejo or GitLab): which ref moved to which
/// commit, who pushed, and of which repository. Read from the delivery's JSON after its
/// signature was checked; what it carries reaches the job only as data.
public struct ForgePush: Sendable, Equatable {
    public var ref: GitRef
    /// The commit the ref points at now; nil when the push deleted the ref.
    public var commit: String?
    /// The pusher's login (or name, when the forge sends no login).
    public var pusher: String
    /// The repository as the forge names it (`owner/name`, `group/sub/name`).
    public var repository: String
    /// The URLs the forge gives for the repository (clone, ssh, web), to compare with the
    /// project's.
    public var repositoryURLs: [String]

    public init(ref: GitRef, commit: String?, pusher: String, repository: String, repositoryURLs: [String]) {
        self.ref = ref
        self.commit = commit
        self.pusher = pusher
        self.repository = repository
        self.repositoryURLs = repositoryURLs
    }

    /// A GitHub `push` event (Gitea and Forgejo send the same): `ref`, `after` (all zeros,
    /// or `deleted: true`, for a deleted ref), `pusher.name` (`login`, `username`) or
    /// `sender.login`, `repository.full_name` and its `clone_url`, `ssh_url`, `git_url`,
    /// `html_url`.
    public static func github(_ body: JSONValue) throws(ValidationError) -> ForgePush {
        let ref = try field(body, "ref")
        let after = body["after"]?.stringValue
        let deleted = body["deleted"] == .bool(true) || after.map(isZero) ?? false
        let pusher = body["pusher"]
        let repository = body["repository"]
        return try make(
            ref: ref, commit: deleted ? nil : after,
            pusher: [pusher?["name"], pusher?["login"], pusher?["username"], body["sender"]?["login"]].lazy.compactMap { $0?.stringValue }
                .first { !$0.isEmpty } ?? "",
            repository: repository?["full_name"]?.stringValue ?? "",
            urls: ["clone_url", "ssh_url", "git_url", "html_url"].compactMap { repository?[$0]?.stringValue })
    }

    /// A GitLab `Push Hook` or `Tag Push Hook` (also as a `System Hook`): `ref`,
    /// `checkout_sha` (null for a deleted ref) or `after`, `user_username` (or `user_name`),
    /// `project.path_with_namespace` and its `git_http_url`, `git_ssh_url`, `web_url`.
    public static func gitlab(_ body: JSONValue) throws(ValidationError) -> ForgePush {
        let ref = try field(body, "ref")
        let after = body["after"]?.stringValue
        let commit = body["checkout_sha"]?.stringValue ?? after
        let deleted = commit.map(isZero) ?? true
        let project = body["project"]
        return try make(
            ref: ref, commit: deleted ? nil : commit,
            pusher: [body["user_username"], body["user_name"]].lazy.compactMap { $0?.stringValue }.first { !$0.isEmpty } ?? "",
            repository: project?["path_with_namespace"]?.stringValue ?? "",
            urls: ["git_http_url", "git_ssh_url", "web_url"].compactMap { project?[$0]?.stringValue }
                + ["git_http_url", "git_ssh_url", "homepage"].compactMap { body["repository"]?[$0]?.stringValue })
    }

    /// What this push does for a hook with `filter` whose git project clones `projectURL` (a
    /// template's hook launches, a project's own refreshes): act, and which pattern matched,
    /// or why not.
    public func decide(filter: ForgeFilter, projectURL: String) -> Decision {
        guard let commit else { return .ignore("the push deleted \(ref)") }
        let project = GitRemote.identity(of: projectURL)
        guard repositoryURLs.contains(where: { GitRemote.identity(of: $0) == project }) else {
            return .ignore(
                "the push is of another repository (\(repository.isEmpty ? "unnamed" : repository)) "
                    + "than the git project clones (\(GitRemote.display(projectURL)))")
        }
        if case .other(let full) = ref { return .ignore("\(full) is neither a branch nor a tag") }
        guard let pattern = filter.match(ref) else {
            let patterns: [String]
            switch ref {
            case .branch: patterns = filter.branches
            case .tag: patterns = filter.tags
            case .other: patterns = []
            }
            return .ignore(
                patterns.isEmpty
                    ? "the hook launches for no \(ref.kind)"
                    : "\(ref) matches none of the hook's \(ref.kind) patterns (\(patterns.joined(separator: ", ")))")
        }
        return .launch(pattern: pattern, commit: commit)
    }

    /// Launch (the pushed commit, matched by `pattern`) or not, and why not.
    public enum Decision: Sendable, Equatable {
        case launch(pattern: String, commit: String)
        case ignore(String)
    }

    /// What the names of a push's extra vars begin with: they are data under every
    /// ``JinjaPolicy``, since whoever may push wrote them.
    public static let variablePrefix = "playhouse_git_"

    /// The extra vars a job launched by this push gets: `playhouse_git_commit`,
    /// `playhouse_git_branch` or `playhouse_git_tag`, `playhouse_git_pusher` and
    /// `playhouse_git_repository`.
    public var variables: [String: JSONValue] {
        var variables: [String: JSONValue] = [
            "playhouse_git_pusher": .string(pusher), "playhouse_git_repository": .string(repository),
        ]
        if let commit { variables["playhouse_git_commit"] = .string(commit) }
        switch ref {
        case .branch(let name): variables["playhouse_git_branch"] = .string(name)
        case .tag(let name): variables["playhouse_git_tag"] = .string(name)
        case .other: break
        }
        return variables
    }

    /// The longest name, ref or URL read from a delivery.
    static let maxFieldBytes = 1024

    private static func field(_ body: JSONValue, _ name: String) throws(ValidationError) -> String {
        guard let value = body[name]?.stringValue, !value.isEmpty else {
            throw ValidationError("the delivery has no \(name): send a push event's JSON (content type application/json)")
        }
        return value
    }

    private static func isZero(_ commit: String) -> Bool {
        !commit.isEmpty && commit.allSatisfy { $0 == "0" }
    }

    private static func make(ref: String, commit: String?, pusher: String, repository: String, urls: [String]) throws(ValidationError)
        -> ForgePush
    {
        for (name, value) in [("ref", ref), ("pusher", pusher), ("repository", repository)] + urls.map({ ("repository url", $0) })
        where value.utf8.count > maxFieldBytes {
            throw ValidationError("the delivery's \(name) is longer than \(maxFieldBytes) bytes")
        }
        let commit = commit?.lowercased()
        if let commit, !JobParameters.isCommitID(commit) {
            throw ValidationError("the delivery's commit \"\(commit.prefix(100))\" is not a commit id (40 or 64 hex digits)")
        }
        return ForgePush(ref: GitRef(ref), commit: commit, pusher: pusher, repository: repository, repositoryURLs: urls)
    }
}

extension GitRef {
    /// `branch` or `tag`.
    var kind: String {
        switch self {
        case .branch: "branch"
        case .tag: "tag"
        case .other: "ref"
        }
    }
}
