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
    /// The sliced job this one is a slice of.
    public var parentID: Int64?
    /// How many slices this job was split into; 0 for a job that runs itself.
    public var sliceCount: Int
    /// How many events are stored: the seq of the newest one.
    public var eventCount: Int
    /// For a git project: the commit the job ran.
    public var commit: String?

    public init(
        id: Int64, status: JobStatus, parameters: JobParameters, createdAt: Date,
        startedAt: Date? = nil, finishedAt: Date? = nil, exitCode: Int? = nil, error: String? = nil,
        summary: JobSummary = JobSummary(), cancelRequested: Bool = false, worker: String? = nil,
        parentID: Int64? = nil, sliceCount: Int = 0, eventCount: Int = 0, commit: String? = nil
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
        self.parentID = parentID
        self.sliceCount = sliceCount
        self.eventCount = eventCount
        self.commit = commit
    }
}

/// A stored inventory: static text (INI or YAML) or an executable script.
public struct Inventory: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// INI or YAML text.
        case `static`
        /// An executable script with its `#!` line, run with `--list`.
        case script
        /// A URL answering Ansible's inventory JSON (what a script prints for `--list`).
        case http
    }

    public var id: Int64
    public var name: String
    public var kind: Kind
    /// The text, the script, or the URL.
    public var content: String
    /// For `http`: a `token` or `password` credential for the request's auth header.
    public var credentialID: Int64?
    /// For `http`: seconds to wait for the answer.
    public var timeout: Double?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, name: String, kind: Kind, content: String, credentialID: Int64? = nil, timeout: Double? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.content = content
        self.credentialID = credentialID
        self.timeout = timeout
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Who launched a job, as inventory sources learn it: scripts and plugins from the
/// environment, HTTP sources from request headers. A CMDB answers with that person's hosts.
public struct Launcher: Sendable, Equatable {
    public var user: String
    public var teams: [String]

    public init(user: String, teams: [String]) {
        self.user = user
        self.teams = teams
    }

    /// `PLAYHOUSE_USER` and `PLAYHOUSE_TEAMS` (comma-separated).
    public var environment: [String: String] {
        ["PLAYHOUSE_USER": user, "PLAYHOUSE_TEAMS": teams.joined(separator: ",")]
    }

    /// `X-Playhouse-User` and `X-Playhouse-Teams` (comma-separated).
    public var headers: [String: String] {
        ["X-Playhouse-User": user, "X-Playhouse-Teams": teams.joined(separator: ",")]
    }
}

/// Where a launch's hosts come from, resolved on disk.
public enum InventoryReference: Sendable, Equatable {
    /// A stored inventory.
    case stored(Inventory)
    /// A file, folder or script inside a project (absolute path).
    case file(String)
}

/// Reading Ansible's inventory JSON (`ansible-inventory --list`).
public enum InventoryHosts {
    /// Every host named in the inventory, in first-seen order.
    public static func names(in inventory: JSONValue) -> [String] {
        guard case .object(let groups) = inventory else { return [] }
        var seen: Set<String> = []
        var names: [String] = []
        func add(_ name: String) {
            if seen.insert(name).inserted { names.append(name) }
        }
        for group in groups.keys.sorted() where group != "_meta" {
            if case .array(let hosts)? = groups[group]?["hosts"] {
                for case .string(let host) in hosts { add(host) }
            }
        }
        if case .object(let hostvars)? = inventory["_meta"]?["hostvars"] {
            for host in hostvars.keys.sorted() { add(host) }
        }
        return names
    }

    /// The hosts of `group` and of its child groups, sorted; nil when there is no such group.
    public static func names(in inventory: JSONValue, group: String) -> [String]? {
        guard case .object(let groups) = inventory, groups[group] != nil else { return nil }
        var hosts: Set<String> = []
        var visited: Set<String> = []
        var pending = [group]
        while let name = pending.popLast() {
            guard visited.insert(name).inserted else { continue }
            if case .array(let members)? = groups[name]?["hosts"] {
                for case .string(let host) in members { hosts.insert(host) }
            }
            if case .array(let children)? = groups[name]?["children"] {
                for case .string(let child) in children { pending.append(child) }
            }
        }
        return hosts.sorted()
    }

    /// `hosts` in `count` groups of consecutive hosts, as even as can be; never an empty group.
    public static func slices(_ hosts: [String], count: Int) -> [[String]] {
        let count = max(1, min(count, hosts.count))
        var groups: [[String]] = []
        var start = 0
        for index in 0..<count {
            let size = hosts.count / count + (index < hosts.count % count ? 1 : 0)
            groups.append(Array(hosts[start..<start + size]))
            start += size
        }
        return groups
    }
}
