import Foundation
import Hummingbird
import PlayhouseCore

/// A git project and what each worker's mirror of it holds.
///
/// The project's Ansible environment (the one chosen with `PUT …/environment`, and each
/// worker's build of it) belongs in this answer too, beside `mirrors`: the environments'
/// side of issue 16 adds it.
struct ProjectSyncResponse: ResponseEncodable, Sendable {
    var project: String
    var url: String
    var branch: String
    @ExplicitNull var refreshRequestedAt: String?
    var mirrors: [MirrorResponse]
    @ExplicitNull var forgeHook: ProjectForgeHookInfo?

    init(project: GitProject, refreshRequestedAt: Date?, mirrors: [MirrorResponse], forgeHook: ProjectForgeHookInfo?) {
        self.project = project.name
        url = project.url
        branch = project.branch
        self.refreshRequestedAt = refreshRequestedAt.map(Timestamp.format)
        self.mirrors = mirrors
        self.forgeHook = forgeHook
    }

    enum CodingKeys: String, CodingKey {
        case project, url, branch, mirrors
        case refreshRequestedAt = "refresh_requested_at"
        case forgeHook = "forge_hook"
    }
}

/// One worker's record of its mirror of the project.
struct MirrorResponse: Encodable, Sendable {
    var worker: String
    /// The worker's state now (`active`, `draining`, `stopped`, `lost`); `unknown` for a
    /// worker the store no longer lists.
    var workerState: String
    var branch: String
    @ExplicitNull var fetchedAt: String?
    @ExplicitNull var commit: String?
    @ExplicitNull var error: String?
    var refreshPending: Bool
    var recordedAt: String
    var requirements: [RequirementsResponse]

    init(_ record: MirrorRecord, workerState: String?) {
        worker = record.worker
        self.workerState = workerState ?? "unknown"
        branch = record.state.branch
        fetchedAt = record.state.fetchedAt.map(Timestamp.format)
        commit = record.state.commit
        error = record.state.error
        refreshPending = record.refreshPending
        recordedAt = Timestamp.format(record.recordedAt)
        requirements = record.requirements.map(RequirementsResponse.init)
    }

    enum CodingKeys: String, CodingKey {
        case worker, branch, commit, error, requirements
        case workerState = "worker_state"
        case fetchedAt = "fetched_at"
        case refreshPending = "refresh_pending"
        case recordedAt = "recorded_at"
    }
}

/// A requirements cache entry a run used.
struct RequirementsResponse: Encodable, Sendable {
    var key: String
    var file: String
    var installedAt: String

    init(_ entry: CachedRequirements) {
        key = entry.key
        file = entry.file
        installedAt = Timestamp.format(entry.installedAt)
    }

    enum CodingKeys: String, CodingKey {
        case key, file
        case installedAt = "installed_at"
    }
}

/// The project's forge hook, without its secret.
struct ProjectForgeHookInfo: Encodable, Sendable {
    var githubURL: String
    var gitlabURL: String
    var createdBy: String
    var createdAt: String

    init(_ hook: ProjectForgeHook) {
        (githubURL, gitlabURL) = ProjectForgeHookRoutes.urls(of: hook.project)
        createdBy = hook.createdBy
        createdAt = Timestamp.format(hook.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case githubURL = "github_url"
        case gitlabURL = "gitlab_url"
        case createdBy = "created_by"
        case createdAt = "created_at"
    }
}

/// The answer to a refresh: what was asked, of whom.
struct RefreshResponse: ResponseEncodable, Sendable {
    var project: String
    var refreshRequestedAt: String
    /// The workers running when it was asked; each records its fetch when it has made it.
    var workers: [String]
    /// The pushed commit, when a forge's push asked; nil when a person did.
    @ExplicitNull var commit: String?

    init(project: String, requestedAt: Date, workers: [String], commit: String? = nil) {
        self.project = project
        refreshRequestedAt = Timestamp.format(requestedAt)
        self.workers = workers
        self.commit = commit
    }

    enum CodingKeys: String, CodingKey {
        case project, workers, commit
        case refreshRequestedAt = "refresh_requested_at"
    }
}
