/// The projects a server offers, read from their folders: the store, the launch rules and
/// the API see projects through this, and the engine's ``ProjectCatalog`` reads them.
public protocol ProjectFolders: Sendable {
    /// Project names, sorted.
    func projects() -> [String]
    /// The absolute folder of a project.
    func directory(of project: String) throws(ValidationError) -> String
    /// The absolute path of `relative` inside `project`, whether or not the file exists
    /// yet. Refuses anything that would leave the project.
    func resolve(_ relative: String, in project: String, field: String) throws(ValidationError) -> String
    /// Playbooks of a project, as paths inside it.
    func playbooks(in project: String) throws(ValidationError) -> [String]
    /// Inventory files of a project, as paths inside it.
    func inventoryFiles(in project: String) throws(ValidationError) -> [String]
    /// The environment names the project's settings file declares for launchers.
    func declaredEnvironment(of project: String) throws(ValidationError) -> Set<String>
    /// The workflow files of a project (`workflows/*.yml`), by file name, with their text.
    func workflowFiles(in project: String) throws(ValidationError) -> [String: String]
}

/// What a project holds that the server lists: playbooks, inventory files and workflows.
public struct ProjectContents: Sendable, Equatable {
    public var playbooks: [String]
    public var inventories: [String]
    /// Workflow files by name, with their text (``ProjectFolders/workflowFiles(in:)``).
    public var workflows: [String: String]

    public init(playbooks: [String], inventories: [String], workflows: [String: String]) {
        self.playbooks = playbooks
        self.inventories = inventories
        self.workflows = workflows
    }
}

/// The rules for a path inside a project, which hold before any folder is read.
public enum ProjectPath {
    /// The settings file at a folder project's top: `{"launch_env": ["NAME", …]}` declares
    /// the environment names a launcher may set for the project's runs.
    public static let settingsFile = "playhouse.json"
    /// The folder of a project's workflow files.
    public static let workflowsFolder = "workflows"
    /// The most workflow files read from a project, and the largest one.
    public static let maxWorkflowFiles = 100
    public static let maxWorkflowFileBytes = 256 * 1024

    /// The parts of a path inside a project; refuses an empty or absolute path, `..` and
    /// parts that could be read as options.
    @discardableResult
    public static func components(of relative: String, field: String) throws(ValidationError) -> [Substring] {
        guard !relative.isEmpty, !relative.contains("\0") else {
            throw ValidationError("\(field) is required")
        }
        guard !relative.hasPrefix("/"), !relative.hasPrefix("~") else {
            throw ValidationError("\(field) \"\(relative)\" must be a path inside the project, not an absolute path")
        }
        let components = relative.split(separator: "/")
        guard !components.contains(".."), !components.contains(where: { $0.hasPrefix("-") }) else {
            throw ValidationError("\(field) \"\(relative)\" leaves the project; use a path inside it")
        }
        return components
    }
}

/// Where a launch's playbook and inventory are, by the one rule every launch follows:
/// in a folder project they are resolved now (and never leave it); in a git project they
/// are only checked to be paths inside it, since its files exist once a run has cloned it.
public struct LaunchLocation: Sendable, Equatable {
    /// The project's folder; nil for a git project, whose checkout the run makes.
    public var directory: String?
    /// The playbook: absolute in a folder project, relative to the checkout in a git one.
    public var playbook: String
    /// A stored inventory's id, or the inventory's path (absolute in a folder project,
    /// relative to the checkout in a git one).
    public var inventory: InventoryRef
}

extension ProjectFolders {
    /// Where `parameters`' files are; `inGit` says the project is a git project (a
    /// folder of the same name wins over it).
    public func locate(_ parameters: JobParameters, inGit: Bool) throws(ValidationError) -> LaunchLocation {
        if inGit {
            try ProjectPath.components(of: parameters.playbook, field: "playbook")
            if case .path(let path) = parameters.inventoryRef { try ProjectPath.components(of: path, field: "inventory") }
            return LaunchLocation(directory: nil, playbook: parameters.playbook, inventory: parameters.inventoryRef)
        }
        let directory = try directory(of: parameters.project)
        let playbook = try resolve(parameters.playbook, in: parameters.project, field: "playbook")
        var inventory = parameters.inventoryRef
        if case .path(let path) = inventory { inventory = .path(try resolve(path, in: parameters.project, field: "inventory")) }
        return LaunchLocation(directory: directory, playbook: playbook, inventory: inventory)
    }
}
