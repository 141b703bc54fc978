import Foundation
import Hummingbird
import PlayhouseCore

/// A job as the API shows it.
struct JobResponse: ResponseEncodable, Sendable {
    var id: Int64
    var status: String
    var project: String
    var playbook: String
    var inventory: String
    var createdAt: String
    @ExplicitNull var startedAt: String?
    @ExplicitNull var finishedAt: String?
    @ExplicitNull var exitCode: Int?
    @ExplicitNull var error: String?
    var progress: JobProgress
    var hosts: [String: HostCounts]
    @ExplicitNull var worker: String?
    var cancelRequested: Bool
    @ExplicitNull var limit: String?
    @ExplicitNull var tags: [String]?
    @ExplicitNull var skipTags: [String]?
    var check: Bool
    var diff: Bool
    var verbosity: Int
    @ExplicitNull var forks: Int?
    @ExplicitNull var timeout: Double?
    /// What the run sees: the template's extra vars with the launch's on top.
    var extraVars: [String: JSONValue]
    /// The names in ``extraVars`` Ansible may template (an admin wrote them into the
    /// template); the rest are data.
    var templatedVars: [String]
    /// Names only: values may be tokens for an inventory source.
    var envNames: [String]
    /// The sliced job this is a slice of.
    @ExplicitNull var parentID: Int64?
    /// Ids of the stored credentials the run uses.
    var credentials: [Int64]
    @ExplicitNull var launchedBy: String?
    @ExplicitNull var relaunchOf: Int64?
    @ExplicitNull var templateID: Int64?
    /// For a git project: the commit the job ran.
    @ExplicitNull var commit: String?
    /// Names only: survey answers to password questions, never shown.
    var secretVars: [String]
    /// The ids of this job's slices, when it was sliced (and they were looked up).
    @ExplicitNull var slices: [Int64]?
    /// Events stored so far; the seq of the newest.
    var events: Int
    /// Whether the run's limits dropped output or events, and how much.
    var truncated: Bool
    var droppedOutputBytes: Int
    var droppedEvents: Int

    init(_ job: Job, slices: [Int64]? = nil) {
        let parameters = job.parameters
        id = job.id
        status = job.status.rawValue
        project = parameters.project
        playbook = parameters.playbook
        inventory = parameters.inventory
        createdAt = Timestamp.format(job.createdAt)
        startedAt = job.startedAt.map(Timestamp.format)
        finishedAt = job.finishedAt.map(Timestamp.format)
        exitCode = job.exitCode
        error = job.error
        events = job.lastSeq
        droppedOutputBytes = job.summary.droppedOutputBytes ?? 0
        droppedEvents = job.summary.droppedEvents ?? 0
        truncated = droppedOutputBytes > 0 || droppedEvents > 0
        var summary = job.summary
        if job.status.isFinal { summary.finish() }
        progress = summary.progress
        hosts = summary.hosts
        worker = job.worker
        cancelRequested = job.cancelRequested
        limit = parameters.limit
        tags = parameters.tags
        skipTags = parameters.skipTags
        check = parameters.check ?? false
        diff = parameters.diff ?? false
        verbosity = parameters.verbosity ?? 0
        forks = parameters.forks
        timeout = parameters.timeout
        let launched = parameters.extraVars ?? [:]
        extraVars = (parameters.templateVars ?? [:]).merging(launched) { $1 }
        templatedVars = (parameters.templateVars ?? [:]).keys.filter { launched[$0] == nil }.sorted()
        envNames = (parameters.env ?? [:]).keys.sorted()
        parentID = job.parentID
        credentials = parameters.credentials ?? []
        launchedBy = parameters.launchedBy
        relaunchOf = parameters.relaunchOf
        templateID = parameters.templateID
        commit = job.commit
        secretVars = parameters.sealedVarNames ?? []
        self.slices = slices
    }

    enum CodingKeys: String, CodingKey {
        case id, status, project, playbook, inventory
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case exitCode = "exit_code"
        case error, progress, hosts, worker
        case cancelRequested = "cancel_requested"
        case limit, tags
        case skipTags = "skip_tags"
        case check, diff, verbosity, forks, timeout
        case extraVars = "extra_vars"
        case templatedVars = "templated_vars"
        case envNames = "env_names"
        case parentID = "parent_id"
        case credentials, slices, events, truncated
        case droppedOutputBytes = "dropped_output_bytes"
        case droppedEvents = "dropped_events"
        case launchedBy = "launched_by"
        case relaunchOf = "relaunch_of"
        case templateID = "template_id"
        case commit
        case secretVars = "secret_vars"
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

struct InventoryResponse: ResponseEncodable, Sendable {
    var id: Int64
    var name: String
    var kind: String
    var content: String
    @ExplicitNull var credential: Int64?
    @ExplicitNull var timeout: Double?
    var createdAt: String
    var updatedAt: String

    init(_ inventory: Inventory) {
        id = inventory.id
        name = inventory.name
        kind = inventory.kind.rawValue
        content = inventory.content
        credential = inventory.credentialID
        timeout = inventory.timeout
        createdAt = Timestamp.format(inventory.createdAt)
        updatedAt = Timestamp.format(inventory.updatedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, content, credential, timeout
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A credential as the API shows it: never its secret.
struct CredentialResponse: ResponseEncodable, Sendable {
    var id: Int64
    var name: String
    var kind: String
    var fingerprint: String
    var fields: [String]
    var createdAt: String
    var updatedAt: String

    init(_ credential: Credential) {
        id = credential.id
        name = credential.name
        kind = credential.kind.rawValue
        fingerprint = credential.fingerprint
        fields = credential.fields
        createdAt = Timestamp.format(credential.createdAt)
        updatedAt = Timestamp.format(credential.updatedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, fingerprint, fields
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// RFC 3339 timestamps with milliseconds, in UTC.
enum Timestamp {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
