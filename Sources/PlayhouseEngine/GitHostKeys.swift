import Foundation

/// How a git clone checks SSH host keys: against a `known_hosts` file of its run directory
/// holding the source's keys, and nothing else (not the machine's nor the user's files),
/// so that each project trusts its own keys.
enum GitHostKeys {
    static let file = "known_hosts"

    /// Writes the source's keys into the run directory (0600) and returns the `ssh` command
    /// git runs. With keys, a server whose key is not among them is refused; without, the
    /// first key seen is trusted and written into the file, for ``learned(by:in:)``.
    static func sshCommand(for source: GitSource, in directory: String) throws -> String {
        let path = directory + "/" + file
        let keys = source.knownHosts ?? ""
        try JobDirectory.write(keys, to: path)
        let checking = keys.isEmpty ? "accept-new" : "yes"
        // Unhashed, so that a person reading the learned keys sees which host each is for.
        let options = [
            "BatchMode=yes", "StrictHostKeyChecking=\(checking)", "UserKnownHostsFile=\"\(path)\"", "GlobalKnownHostsFile=/dev/null",
            "HashKnownHosts=no",
        ]
        // git hands the command to a shell.
        return (["ssh"] + options.flatMap { ["-o", "'" + $0.replacing("'", with: "'\\''") + "'"] }).joined(separator: " ")
    }

    /// The keys a clone of a source without keys trusted on first sight: the file's keys,
    /// nil when it wrote none (the source had keys, or the clone did not use SSH).
    static func learned(by source: GitSource, in directory: String) -> String? {
        guard (source.knownHosts ?? "").isEmpty,
            let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8),
            !text.isEmpty
        else { return nil }
        return text
    }
}
