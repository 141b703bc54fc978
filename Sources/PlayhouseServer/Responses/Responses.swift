import Foundation
import Hummingbird
import PlayhouseCore

/// A job as the API shows it: its launch parameters and what became of it.
typealias JobResponse = Merged<LaunchFields, JobFields>

extension Merged<LaunchFields, JobFields> {
    init(_ job: Job, slices: [Int64]? = nil) {
        self.init(LaunchFields(job.parameters), JobFields(job, slices: slices))
    }
}

/// A job's own keys in ``JobResponse``.
struct JobFields: Encodable, Sendable {
    var id: Int64
    var status: String
    var createdAt: String
    @ExplicitNull var startedAt: String?
    @ExplicitNull var finishedAt: String?
    @ExplicitNull var exitCode: Int?
    @ExplicitNull var error: String?
    var progress: JobProgress
    var hosts: [String: HostCounts]
    @ExplicitNull var worker: String?
    var cancelRequested: Bool
    /// What the run sees: the template's extra vars with the launch's on top.
    var extraVars: [String: JSONValue]
    /// The names in ``extraVars`` Ansible may template (an admin wrote them into the
    /// template); the rest are data.
    var templatedVars: [String]
    /// The sliced job this is a slice of.
    @ExplicitNull var parentID: Int64?
    @ExplicitNull var launchedBy: String?
    @ExplicitNull var relaunchOf: Int64?
    @ExplicitNull var templateID: Int64?
    /// For a git project: the commit the job ran.
    @ExplicitNull var commit: String?
    /// The commit the job was pinned to run (by a forge hook), instead of its branch's newest.
    @ExplicitNull var pinnedCommit: String?
    /// The Ansible environment the job runs with and where it was chosen; null for
    /// Playhouse's own.
    @ExplicitNull var environment: String?
    /// Why a queued job waits (its environment is being built, no worker of its groups is active).
    @ExplicitNull var waitingReason: String?
    /// The worker groups it may run on; empty: any.
    var workerGroups: [String]
    /// The forks it takes of its worker's capacity.
    var weight: Int
    /// Names only: survey answers to password questions, never shown.
    var secretVars: [String]
    /// The workflow job whose node launched this job.
    @ExplicitNull var workflowJobID: Int64?
    /// What the playbook published with `set_stats`.
    var artifacts: [String: JSONValue]
    /// The ids of this job's slices, when it was sliced (and they were looked up).
    @ExplicitNull var slices: [Int64]?
    /// Events stored so far; the seq of the newest.
    var events: Int
    /// Lines of the log stored so far.
    var outputLines: Int
    /// Whether the run's limits dropped output or events, and how much.
    var truncated: Bool
    var droppedOutputBytes: Int
    var droppedEvents: Int

    init(_ job: Job, slices: [Int64]? = nil) {
        let parameters = job.parameters
        id = job.id
        status = job.status.rawValue
        createdAt = Timestamp.format(job.createdAt)
        startedAt = job.startedAt.map(Timestamp.format)
        finishedAt = job.finishedAt.map(Timestamp.format)
        exitCode = job.exitCode
        error = job.error
        events = job.lastSeq
        outputLines = job.outputLines
        droppedOutputBytes = job.summary.droppedOutputBytes ?? 0
        droppedEvents = job.summary.droppedEvents ?? 0
        truncated = droppedOutputBytes > 0 || droppedEvents > 0
        let summary = EventStream.Summary(job)
        progress = summary.progress
        hosts = summary.hosts
        worker = job.worker
        cancelRequested = job.cancelRequested
        let launched = parameters.extraVars ?? [:]
        extraVars = (parameters.templateVars ?? [:]).merging(launched) { $1 }
        templatedVars = (parameters.templateVars ?? [:]).keys.filter { launched[$0] == nil }.sorted()
        parentID = job.parentID
        launchedBy = parameters.launchedBy
        relaunchOf = parameters.relaunchOf
        templateID = parameters.templateID
        commit = job.commit
        pinnedCommit = parameters.pinnedCommit
        environment = job.environment
        waitingReason = job.waitingReason
        workerGroups = job.workerGroups
        weight = job.weight
        secretVars = parameters.sealedVarNames ?? []
        workflowJobID = parameters.workflowJobID
        artifacts = job.summary.artifacts ?? [:]
        self.slices = slices
    }

    enum CodingKeys: String, CodingKey {
        case id, status
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case exitCode = "exit_code"
        case error, progress, hosts, worker
        case cancelRequested = "cancel_requested"
        case extraVars = "extra_vars"
        case templatedVars = "templated_vars"
        case parentID = "parent_id"
        case slices, events, truncated
        case outputLines = "output_lines"
        case droppedOutputBytes = "dropped_output_bytes"
        case droppedEvents = "dropped_events"
        case launchedBy = "launched_by"
        case relaunchOf = "relaunch_of"
        case templateID = "template_id"
        case commit
        case pinnedCommit = "pinned_commit"
        case environment
        case waitingReason = "waiting_reason"
        case workerGroups = "worker_groups"
        case weight
        case secretVars = "secret_vars"
        case workflowJobID = "workflow_job_id"
        case artifacts
    }
}

/// An event as the API and the live stream show it: the documented keys, always present.
struct EventResponse: Encodable, Sendable {
    var event: JobEvent

    /// The event as JSON; streams write it with ``JSONValue/jsonString()`` directly.
    var json: JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        return .object([
            "seq": .number(Double(event.seq)),
            "type": .string(event.type.name),
            "time": .string(Timestamp.format(Date(timeIntervalSince1970: event.time))),
            "play": optional(event.play),
            "task": optional(event.task),
            "host": optional(event.host),
            "changed": event.changed.map(JSONValue.bool) ?? .null,
            "failed": event.failed.map(JSONValue.bool) ?? .null,
            "message": optional(event.message),
            "data": event.data ?? .null,
        ])
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(json)
    }
}

/// An inventory as the API shows it.
typealias InventoryResponse = StampedResponse<InventoryFields>

/// An inventory's own keys in ``InventoryResponse``.
struct InventoryFields: Encodable, Sendable {
    var kind: String
    var content: String
    @ExplicitNull var credential: Int64?
    @ExplicitNull var timeout: Double?
    var workerGroups: [String]

    enum CodingKeys: String, CodingKey {
        case kind, content, credential, timeout
        case workerGroups = "worker_groups"
    }
}

extension StampedResponse<InventoryFields> {
    init(_ inventory: Inventory) {
        self.init(
            InventoryFields(
                kind: inventory.kind.rawValue, content: inventory.content, credential: inventory.credentialID,
                timeout: inventory.timeout, workerGroups: inventory.workerGroups),
            of: inventory)
    }
}

/// A credential as the API shows it: never its secret.
typealias CredentialResponse = StampedResponse<CredentialFields>

/// A credential's own keys in ``CredentialResponse``: the names of its fields, not their values.
struct CredentialFields: Encodable, Sendable {
    var kind: String
    var fingerprint: String
    var fields: [String]
}

extension StampedResponse<CredentialFields> {
    init(_ credential: Credential) {
        self.init(
            CredentialFields(
                kind: credential.kind.rawValue, fingerprint: credential.fingerprint, fields: credential.fields),
            of: credential)
    }
}

/// RFC 3339 timestamps with milliseconds, in UTC.
enum Timestamp {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
