import Foundation

/// The Ansible a project's jobs run with: an ansible-core version and the Python packages
/// its playbooks need (`netaddr`, `boto3`, `pywinrm`), built once per definition as a
/// virtualenv from PyPI on each worker. Collections come from the project's
/// `collections/requirements.yml`, cached like its roles.
///
/// A project pins one in its ``projectFile``; an admin may define named ones and choose one
/// for a project or a template instead.
public struct AnsibleEnvironment: Sendable, Equatable {
    /// The ansible-core release, as PyPI names it: `2.17.14`, `2.18.0rc1`.
    public var ansibleCore: String
    /// Requirement specifiers for pip (`netaddr==1.3.0`, `boto3>=1.34`, `pywinrm[credssp]`):
    /// names from PyPI and versions only, never options, URLs or paths.
    public var pythonPackages: [String]

    /// The file of a project that pins its environment, at the project's root.
    public static let projectFile = "playhouse.yml"
    /// The most packages one environment lists.
    public static let maxPackages = 100
    /// The largest project file (and requirements file) read.
    public static let maxFileBytes = 64 * 1024

    /// An environment, checked.
    ///
    /// - Throws: ``ValidationError`` naming the version or package that pip must not be
    ///   given (an option, a URL, a path) or that is not one.
    public init(ansibleCore: String, pythonPackages: [String] = []) throws(ValidationError) {
        guard Self.isVersion(ansibleCore) else {
            throw ValidationError("ansible-core must be a release like \"2.17.14\", got \"\(ansibleCore.prefix(100))\"")
        }
        guard pythonPackages.count <= Self.maxPackages else {
            throw ValidationError("an environment lists at most \(Self.maxPackages) Python packages, got \(pythonPackages.count)")
        }
        for package in pythonPackages {
            guard Self.isRequirement(package) else {
                throw ValidationError(
                    "\"\(package.prefix(200))\" is not a Python package requirement like \"netaddr==1.3.0\" "
                        + "(names and versions from PyPI only: no options, URLs or paths)")
            }
            if Self.name(of: package) == "ansible-core" {
                throw ValidationError("ansible-core is chosen by its own field, not among the Python packages")
            }
        }
        self.ansibleCore = ansibleCore
        self.pythonPackages = pythonPackages
    }

    /// What a person reads on a job: `ansible-core 2.17.14`, with its packages.
    public var label: String {
        "ansible-core \(ansibleCore)" + (pythonPackages.isEmpty ? "" : " with " + pythonPackages.joined(separator: ", "))
    }

    /// The environment a project file pins.
    ///
    /// The file holds `ansible-core` (a quoted version), and optionally `python-packages`
    /// (a list of requirements) and `python-requirements` (a requirements file of the
    /// project, read through `readFile`, one requirement per line, `#` comments).
    ///
    /// - Throws: ``ValidationError`` saying what in the file to fix.
    public static func read(
        projectFile text: String, readFile: (String) throws(ValidationError) -> String
    ) throws(ValidationError) -> AnsibleEnvironment {
        guard text.utf8.count <= maxFileBytes else { throw ValidationError("\(projectFile) is larger than \(maxFileBytes) bytes") }
        let document: JSONValue?
        do {
            document = try YAMLData.load(text)
        } catch {
            throw ValidationError("\(projectFile) is not YAML: \(error.message)")
        }
        guard case .object(let members)? = document else {
            throw ValidationError("\(projectFile) must be a mapping with ansible-core: \"VERSION\"")
        }
        let known: Set = ["ansible-core", "python-packages", "python-requirements"]
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw ValidationError(
                "\(projectFile) has an unknown key \"\(unknown.prefix(100))\"; it knows \(known.sorted().joined(separator: ", "))")
        }
        guard case .string(let version)? = members["ansible-core"] else {
            throw ValidationError("\(projectFile) must name ansible-core as a quoted version, like ansible-core: \"2.17.14\"")
        }
        var packages: [String] = []
        switch members["python-packages"] {
        case nil: break
        case .array(let items)?:
            for item in items {
                guard case .string(let package) = item else { throw ValidationError("python-packages in \(projectFile) must list strings") }
                packages.append(package)
            }
        default: throw ValidationError("python-packages in \(projectFile) must be a list of requirements")
        }
        switch members["python-requirements"] {
        case nil: break
        case .string(let path)?:
            let content = try readFile(path)
            guard content.utf8.count <= maxFileBytes else { throw ValidationError("\(path) is larger than \(maxFileBytes) bytes") }
            packages += requirements(in: content)
        default: throw ValidationError("python-requirements in \(projectFile) must be the path of a requirements file")
        }
        return try AnsibleEnvironment(ansibleCore: version, pythonPackages: packages)
    }

    /// The requirements of a requirements file: each line without its `#` comment, blank
    /// lines skipped. Options (`-r`, `--index-url`) stay in, to be refused by name.
    static func requirements(in text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let kept = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = kept.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    private static func isVersion(_ text: String) -> Bool {
        text.count <= 30 && text.wholeMatch(of: /[0-9]+(\.[0-9]+){1,2}((a|b|rc)[0-9]+)?(\.post[0-9]+)?/) != nil
    }

    /// A name from PyPI, extras, and version clauses: what pip reads as a package and
    /// nothing else (no `-` option, URL, path, `@` reference or environment marker).
    private static func isRequirement(_ text: String) -> Bool {
        let clause = #/\s*(==|!=|<=|>=|~=|<|>)\s*[0-9A-Za-z.*+!-]+\s*/#
        guard text.count <= 200,
            let match = text.wholeMatch(
                of: /[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._,-]+\])?(?<clauses>[^A-Za-z0-9._\[].*)?/)
        else { return false }
        guard let clauses = match.output.clauses, !clauses.allSatisfy(\.isWhitespace) else { return true }
        return clauses.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { $0.wholeMatch(of: clause) != nil }
    }

    /// The package's name as pip compares names: lower case, runs of `-`, `_`, `.` as one `-`.
    private static func name(of requirement: String) -> String {
        let name = requirement.prefix { $0.isLetter || $0.isNumber || "._-".contains($0) }
        return name.lowercased().replacing(/[-_.]+/, with: "-")
    }
}
