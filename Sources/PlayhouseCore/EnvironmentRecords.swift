public import Foundation

/// An ``AnsibleEnvironment`` an admin defined and named, to choose for projects and
/// templates.
public struct NamedEnvironment: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var environment: AnsibleEnvironment
    public var createdBy: String
    public var createdAt: Date

    public init(id: Int64, name: String, environment: AnsibleEnvironment, createdBy: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.environment = environment
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// One worker's build of an environment's virtualenv, with its log.
public struct EnvironmentBuild: Sendable, Equatable {
    public enum Status: String, Sendable {
        case building
        case ready
        case failed
        /// The worker stopped before the build ended; the next job that needs it builds again.
        case interrupted
    }

    public var id: Int64
    /// The digest naming the virtualenv on the worker.
    public var key: String
    public var worker: String
    /// The environment as a person reads it: `ansible-core 2.17.14 with netaddr`.
    public var label: String
    public var status: Status
    /// What the build printed (virtualenv and pip); empty while it runs.
    public var log: String
    /// pip's reason, for a failed build.
    public var error: String?
    public var startedAt: Date
    public var finishedAt: Date?

    public init(
        id: Int64, key: String, worker: String, label: String, status: Status, log: String, error: String?, startedAt: Date,
        finishedAt: Date?
    ) {
        self.id = id
        self.key = key
        self.worker = worker
        self.label = label
        self.status = status
        self.log = log
        self.error = error
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}
