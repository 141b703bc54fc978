import Foundation
public import PlayhouseCore

/// The projects directory: each folder in it is a project, and playbooks and inventory
/// files are named by their path inside a project. Nothing outside a project is ever
/// handed out, whether by `..`, an absolute path or a symlink.
///
/// Every call reads the folders afresh, so projects added or changed on disk show at once.
/// Names and paths that are refused come back as a `ValidationError` whose message says
/// which one and why.
public struct ProjectCatalog: ProjectFolders {
    /// The projects directory, absolute, symlinks resolved.
    public let root: String

    /// A catalog of the folders in `root`.
    ///
    /// - Parameter root: The projects directory; made absolute against the current
    ///   directory, and its symlinks resolved when it exists. A missing directory holds no
    ///   projects.
    public init(root: String) {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = Self.realPath(absolute) ?? absolute
    }

    /// Project names, sorted: the folders in ``root``, hidden ones left out.
    ///
    /// - Returns: The names, empty when ``root`` cannot be read.
    public func projects() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { !$0.hasPrefix(".") && Self.isDirectory(root + "/" + $0) }.sorted()
    }

    /// The absolute folder of a project.
    ///
    /// - Parameter project: A project name, as ``projects()`` lists it.
    /// - Returns: The project's folder with symlinks resolved, inside ``root``.
    /// - Throws: `ValidationError` for a name that is empty, hidden or holds a `/`, and for
    ///   a project that is not a folder of ``root`` (or whose symlink leads outside it).
    public func directory(of project: String) throws(ValidationError) -> String {
        guard !project.isEmpty, !project.hasPrefix("."), !project.contains("/"), !project.contains("\0") else {
            throw ValidationError("project \"\(project)\" is not a valid project name")
        }
        let path = root + "/" + project
        guard Self.isDirectory(path), let real = Self.realPath(path), real.hasPrefix(root + "/") else {
            throw ValidationError("unknown project \"\(project)\"; projects are the folders of \(root)")
        }
        return real
    }

    /// The absolute path of `relative` inside `project`, whether or not the file exists yet.
    /// Refuses anything that would leave the project.
    ///
    /// - Parameters:
    ///   - relative: A path inside the project, such as `site.yml` or `inventory/prod.ini`.
    ///   - project: The project's name.
    ///   - field: What the path is for (`playbook`, `inventory`), named in the error message.
    /// - Returns: The absolute path, symlinks resolved as far as the path exists.
    /// - Throws: `ValidationError` for an unknown project, an empty or absolute path, `..`,
    ///   a part starting with `-`, or a symlink that leads outside the project.
    public func resolve(_ relative: String, in project: String, field: String) throws(ValidationError) -> String {
        let base = try directory(of: project)
        let components = try ProjectPath.components(of: relative, field: field)
        let joined = base + "/" + components.joined(separator: "/")
        // Follow symlinks as far as the path exists: the target must stay in the project.
        var existing = joined
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing), existing.count > base.count {
            rest.insert(URL(fileURLWithPath: existing).lastPathComponent, at: 0)
            existing = URL(fileURLWithPath: existing).deletingLastPathComponent().path
        }
        guard let real = Self.realPath(existing), real == base || real.hasPrefix(base + "/") else {
            throw ValidationError("\(field) \"\(relative)\" leads outside the project (through a symlink)")
        }
        return ([real] + rest).joined(separator: "/")
    }

    /// Playbooks of a project: YAML files whose top level is a list of plays, outside the
    /// folders Ansible uses for roles, variables and collections.
    ///
    /// A file counts as a playbook when its first line that is not blank, a comment or
    /// `---` starts a list item; hidden files and folders are skipped.
    ///
    /// - Parameter project: The project's name.
    /// - Returns: Paths inside the project, sorted, each one ``resolve(_:in:field:)`` accepts.
    /// - Throws: `ValidationError` for an unknown project.
    public func playbooks(in project: String) throws(ValidationError) -> [String] {
        let base = try directory(of: project)
        let skipped: Set<String> = ["roles", "group_vars", "host_vars", "collections", "inventory", "templates", "files", "vars"]
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var found: [String] = []
        while let path = walker.nextObject() as? String {
            let name = URL(fileURLWithPath: path).lastPathComponent
            if name.hasPrefix(".") || skipped.contains(name) {
                walker.skipDescendants()
                continue
            }
            guard name.hasSuffix(".yml") || name.hasSuffix(".yaml") else { continue }
            guard (try? resolve(path, in: project, field: "playbook")) != nil else { continue }
            if Self.looksLikePlaybook(base + "/" + path) { found.append(path) }
        }
        return found.sorted()
    }

    /// The workflow files of a project: `workflows/*.yml` and `*.yaml`, not hidden, each at
    /// most ``ProjectPath/maxWorkflowFileBytes``; a larger or unreadable one reads as empty,
    /// which its listing reports.
    public func workflowFiles(in project: String) throws(ValidationError) -> [String: String] {
        let folder = try directory(of: project) + "/" + ProjectPath.workflowsFolder
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yml") || $0.hasSuffix(".yaml")) }.sorted().prefix(ProjectPath.maxWorkflowFiles)
        var files: [String: String] = [:]
        for name in names {
            guard (try? resolve(ProjectPath.workflowsFolder + "/" + name, in: project, field: "workflow")) != nil,
                let handle = FileHandle(forReadingAtPath: folder + "/" + name)
            else { continue }
            defer { try? handle.close() }
            let data = (try? handle.read(upToCount: ProjectPath.maxWorkflowFileBytes + 1)) ?? Data()
            files[name] = data.count > ProjectPath.maxWorkflowFileBytes ? "" : String(decoding: data, as: UTF8.self)
        }
        return files
    }

    /// Inventory files of a project: anything under `inventory/` or `inventories/`, and
    /// top-level `hosts`/`inventory*` files.
    ///
    /// - Parameter project: The project's name.
    /// - Returns: Paths inside the project, sorted; hidden files and `__pycache__` left out.
    /// - Throws: `ValidationError` for an unknown project.
    public func inventoryFiles(in project: String) throws(ValidationError) -> [String] {
        let base = try directory(of: project)
        var found: [String] = []
        for folder in ["inventory", "inventories"] where Self.isDirectory(base + "/" + folder) {
            let names = (try? FileManager.default.subpathsOfDirectory(atPath: base + "/" + folder)) ?? []
            for name in names where !name.split(separator: "/").contains(where: { $0.hasPrefix(".") || $0 == "__pycache__" }) {
                let path = folder + "/" + name
                if !Self.isDirectory(base + "/" + path) { found.append(path) }
            }
        }
        let top = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        for name in top where name == "hosts" || name.hasPrefix("hosts.") || name.hasPrefix("inventory.") {
            found.append(name)
        }
        return found.sorted()
    }

    /// The environment names `project`'s settings file declares; none when it has no
    /// such file. A file that cannot be read as settings is an error naming it.
    ///
    /// The settings file is `playhouse.json` at the project's top, whose `launch_env` lists
    /// the names a launcher may set for the project's runs.
    ///
    /// - Parameter project: The project's name.
    /// - Returns: The declared names; empty without a settings file or a `launch_env`.
    /// - Throws: `ValidationError` for an unknown project, a settings file that is not a
    ///   JSON object, a `launch_env` that is not a list of names, or a name that may not be
    ///   set.
    public func declaredEnvironment(of project: String) throws(ValidationError) -> Set<String> {
        let path = try directory(of: project) + "/" + ProjectPath.settingsFile
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path), case .object(let settings)? = JSONValue.parse(bytes: data) else {
            throw ValidationError("\(project)/\(ProjectPath.settingsFile) is not a JSON object; fix it or remove it")
        }
        switch settings["launch_env"] {
        case nil: return []
        case .array(let names)?:
            var declared = Set<String>()
            for case .string(let name) in names {
                try JobParameters.checkAllowedEnvironmentName(name)
                declared.insert(name)
            }
            guard declared.count == names.count else {
                throw ValidationError("\(project)/\(ProjectPath.settingsFile): launch_env must be a list of names")
            }
            return declared
        default:
            throw ValidationError("\(project)/\(ProjectPath.settingsFile): launch_env must be a list of names")
        }
    }

    private static func looksLikePlaybook(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed == "---" { continue }
            return trimmed.hasPrefix("- ")
        }
        return false
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
