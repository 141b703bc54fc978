import Foundation

/// A launch of a playbook and everything known about it so far.
public struct Job: Sendable, Equatable {
    public var id: Int64
    public var status: JobStatus
    public var parameters: JobParameters
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int?
    public var error: String?
    public var summary: JobSummary
    /// True once someone asked to cancel a running job; the worker running it stops it.
    public var cancelRequested: Bool
    /// The name of the worker that ran the job.
    public var worker: String?

    public init(
        id: Int64, status: JobStatus, parameters: JobParameters, createdAt: Date,
        startedAt: Date? = nil, finishedAt: Date? = nil, exitCode: Int? = nil, error: String? = nil,
        summary: JobSummary = JobSummary(), cancelRequested: Bool = false, worker: String? = nil
    ) {
        self.id = id
        self.status = status
        self.parameters = parameters
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.error = error
        self.summary = summary
        self.cancelRequested = cancelRequested
        self.worker = worker
    }
}

/// A stored inventory: static text (INI or YAML) or an executable script.
public struct Inventory: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case `static`
        case script
    }

    public var id: Int64
    public var name: String
    public var kind: Kind
    public var content: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, name: String, kind: Kind, content: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.kind = kind
        self.content = content
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
