import Foundation
import PlayhouseCore

/// The projects directory: each folder in it is a project, and playbooks and inventory
/// files are named by their path inside a project. Nothing outside a project is ever
/// handed out, whether by `..`, an absolute path or a symlink.
public struct ProjectCatalog: ProjectFolders {
    /// The projects directory, absolute, symlinks resolved.
    public let root: String

    public init(root: String) {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = Self.realPath(absolute) ?? absolute
    }

    /// Project names, sorted.
    public func projects() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { !$0.hasPrefix(".") && Self.isDirectory(root + "/" + $0) }.sorted()
    }

    /// The absolute folder of a project.
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

    /// Inventory files of a project: anything under `inventory/` or `inventories/`, and
    /// top-level `hosts`/`inventory*` files.
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
