/// What a launcher (an operator, a survey answer, a webhook body) may hand to Ansible.
///
/// The worker holds every credential's key, so nothing a launcher sends may make Ansible
/// run a command or read a file there: extra vars are data (written for Ansible as
/// `!unsafe`, never templated), variables that decide how or where Ansible connects or
/// what it executes are an admin's to set, and host patterns and tags cannot name files.
public enum LaunchValues {
    /// The deepest nesting of lists and mappings in extra vars.
    public static let maxDepth = 32
    /// The most values (scalars, lists and mappings) in one launch's extra vars.
    public static let maxValues = 100_000
    /// The longest host pattern accepted as `limit`.
    public static let maxLimitBytes = 16 * 1024
    /// The most tags (or skip tags).
    public static let maxTags = 200
    /// The longest tag.
    public static let maxTagBytes = 256
    /// The longest value of one environment variable.
    public static let maxEnvironmentValueBytes = 8 * 1024

    /// Variables Ansible reads to decide how or where to connect or what to execute (every
    /// `ansible_*` name: `ansible_host`, `ansible_port`, `ansible_ssh_common_args`,
    /// `ansible_python_interpreter`, `ansible_become_exe`, `ansible_shell_executable`, …)
    /// and its magic variables, which a launch must not replace.
    public static let magicVariables: Set<String> = [
        "hostvars", "groups", "group_names", "inventory_hostname", "inventory_hostname_short", "inventory_dir",
        "inventory_file", "playbook_dir", "play_hosts", "role_path", "role_name", "role_names", "omit", "environment",
        "vars",
    ]

    /// Whether only an admin may set `name` at launch (see ``magicVariables``).
    public static func isReserved(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered.hasPrefix("ansible_") || magicVariables.contains(lowered)
    }

    /// Refuses extra vars that are not plain data: a name Ansible cannot use as a
    /// variable, nesting deeper than ``maxDepth``, more than ``maxValues`` values, or a
    /// number JSON cannot hold.
    public static func checkExtraVars(_ variables: [String: JSONValue], field: String = "extra_vars") throws(ValidationError) {
        for name in variables.keys.sorted() where !isVariableName(name) {
            throw ValidationError(
                "\(field) has a variable named \"\(name.prefix(100))\": a variable name is letters, digits and _ (not first a digit)")
        }
        var count = 0
        var pending: [(value: JSONValue, depth: Int)] = variables.values.map { ($0, 1) }
        while let (value, depth) = pending.popLast() {
            count += 1
            guard count <= maxValues else {
                throw ValidationError("\(field) holds more than \(maxValues) values; pass large data in a file of the project instead")
            }
            guard depth <= maxDepth else {
                throw ValidationError("\(field) nests lists and mappings more than \(maxDepth) deep")
            }
            switch value {
            case .number(let number) where !number.isFinite:
                throw ValidationError("\(field) holds a number that is not finite (\(number)); JSON cannot carry it")
            case .array(let items): pending += items.map { ($0, depth + 1) }
            case .object(let members): pending += members.values.map { ($0, depth + 1) }
            default: break
            }
        }
    }

    /// Refuses the first variable in `names` that only an admin may set, unless `allowed`
    /// (a template's `allowed_vars`) lists it.
    public static func checkLauncherVariables(_ names: some Sequence<String>, allowed: Set<String>) throws(ValidationError) {
        for name in names.sorted() where isReserved(name) && !allowed.contains(name) {
            throw ValidationError(
                "extra var \"\(name)\" is not a launcher's to set: Ansible uses it to decide how or where to connect or what to run; "
                    + "ask an admin to allow it on a template (allowed_vars)")
        }
    }

    /// A launcher may set only the environment names an admin declared: in the project
    /// (`playhouse.json`) or on the template (`allowed_env`).
    public static func checkLauncherEnvironment(_ names: some Sequence<String>, declared: Set<String>) throws(ValidationError) {
        let howToDeclare = "an admin declares names in the project's playhouse.json or a template's allowed_env"
        for name in names.sorted() where !declared.contains(name) {
            throw ValidationError(
                declared.isEmpty
                    ? "env \"\(name)\" may not be set: this launch declares no environment a launcher may set; \(howToDeclare)"
                    : "env \"\(name)\" may not be set: "
                        + "a launcher may set only \(declared.sorted().joined(separator: ", ")) here; \(howToDeclare)"
            )
        }
    }

    /// `limit` is a host pattern and nothing else. A part starting with `@` makes Ansible
    /// read that file, and Ansible trims parts with Python's idea of whitespace (which
    /// includes no-break and other Unicode spaces): no host pattern needs an `@`, so none
    /// is taken anywhere.
    public static func checkLimit(_ limit: String) throws(ValidationError) {
        guard limit.utf8.count <= maxLimitBytes else {
            throw ValidationError("limit is longer than \(maxLimitBytes) bytes")
        }
        guard !limit.unicodeScalars.contains(where: isControl) else {
            throw ValidationError("limit must be one line of host patterns, without control characters")
        }
        guard !limit.contains("@") else {
            throw ValidationError(
                "limit must be a host pattern, not a file: host patterns hold no @ (Ansible reads @FILE as a list of hosts)")
        }
    }

    /// Tags are names: not empty, no comma, no file (`@…`) or option (`-…`) syntax.
    public static func checkTags(_ tags: [String], field: String) throws(ValidationError) {
        guard tags.count <= maxTags else { throw ValidationError("\(field) takes at most \(maxTags) tags") }
        for tag in tags {
            guard !tag.isEmpty, !tag.contains(","), tag.utf8.count <= maxTagBytes,
                !tag.hasPrefix("@"), !tag.hasPrefix("-"), !tag.unicodeScalars.contains(where: isControl)
            else {
                throw ValidationError(
                    "\(field) must be names without commas, at most \(maxTagBytes) bytes, not starting with @ or -; "
                        + "got \"\(tag.prefix(100))\""
                )
            }
        }
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`: what Ansible accepts as a variable name.
    public static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 256 else { return false }
        func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" }
        return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }
}
