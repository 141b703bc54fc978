/// Permission for a user, or every member of a team, to use a project or a stored
/// inventory. Operators and viewers reach only what they are granted; admins reach all.
public struct Grant: Sendable, Equatable {
    public enum SubjectKind: String, Sendable, CaseIterable {
        case user, team
    }

    public enum ResourceKind: String, Sendable, CaseIterable {
        /// A project folder, by name: its jobs, and launching its playbooks.
        case project
        /// A stored inventory, by id: reading it and launching with it.
        case inventory
        /// A stored credential, by id: launching with it.
        case credential
    }

    /// Stands for every project, or every stored inventory.
    public static let any = "*"

    public var id: Int64
    public var subjectKind: SubjectKind
    /// The user's or team's name.
    public var subject: String
    public var resourceKind: ResourceKind
    /// A project name, an inventory or credential id, or ``any``.
    public var resource: String

    public init(id: Int64, subjectKind: SubjectKind, subject: String, resourceKind: ResourceKind, resource: String) {
        self.id = id
        self.subjectKind = subjectKind
        self.subject = subject
        self.resourceKind = resourceKind
        self.resource = resource
    }
}

/// What one user may reach: everything (admins), or the projects, stored inventories and
/// credentials granted to them and their teams.
public struct Access: Sendable, Equatable {
    public var everything: Bool
    public var projects: Set<String>
    public var inventories: Set<String>
    public var credentials: Set<String>

    public static let all = Access(everything: true)

    public init(everything: Bool = false, projects: Set<String> = [], inventories: Set<String> = [], credentials: Set<String> = []) {
        self.everything = everything
        self.projects = projects
        self.inventories = inventories
        self.credentials = credentials
    }

    /// The projects whose jobs this user sees; nil for all of them.
    public var seenProjects: Set<String>? {
        everything || projects.contains(Grant.any) ? nil : projects
    }

    public func allows(project: String) -> Bool {
        everything || projects.contains(Grant.any) || projects.contains(project)
    }

    public func allows(inventory id: Int64) -> Bool {
        everything || inventories.contains(Grant.any) || inventories.contains(String(id))
    }

    public func allows(credential id: Int64) -> Bool {
        everything || credentials.contains(Grant.any) || credentials.contains(String(id))
    }
}

/// A team of users, whose grants its members share.
public struct Team: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var members: [String]

    public init(id: Int64, name: String, members: [String]) {
        self.id = id
        self.name = name
        self.members = members
    }
}
