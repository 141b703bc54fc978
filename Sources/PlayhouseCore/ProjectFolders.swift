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
}

/// The rules for a path inside a project, which hold before any folder is read.
public enum ProjectPath {
    /// The settings file at a folder project's top: `{"launch_env": ["NAME", …]}` declares
    /// the environment names a launcher may set for the project's runs.
    public static let settingsFile = "playhouse.json"

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
