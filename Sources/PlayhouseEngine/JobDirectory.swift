import Foundation

/// A private folder (0700) for one run: the event pipe, the extra vars file, the inventory
/// and Ansible's temporary files. It is removed when the run ends, whatever happens, and
/// its process holds its ``RunDirectoryLock`` until then.
enum JobDirectory {
    static let prefix = "run-"
    /// The file in a run directory holding the run's job tag.
    static let tagFile = "job-tag"

    static func with<T>(in parent: String, _ body: (String) async throws -> T) async throws -> T {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let name = prefix + UUID().uuidString.lowercased().prefix(13)
        let path = parent + "/" + name
        // Made and locked under a hidden name, then renamed: a start sweeping leftovers
        // never sees a run directory whose lock is not held yet. (A crash in between
        // leaves a hidden folder holding only its lock file: no secret, no process.)
        let staging = parent + "/." + name
        try FileManager.default.createDirectory(
            atPath: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let taken: RunDirectoryLock?
        do {
            taken = try RunDirectoryLock.take(staging)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        guard let lock = taken else {
            try? FileManager.default.removeItem(atPath: staging)
            throw RunnerError("\(staging) was taken by another run")
        }
        // Deferred, so the lock is let go only once the directory is removed below.
        defer { lock.release() }
        guard rename(staging, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: staging)
            throw RunnerError("could not make the run directory \(path): \(reason)")
        }
        do {
            let result = try await body(path)
            try? FileManager.default.removeItem(atPath: path)
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// Writes a file only the owner can read (0600, or 0700 for a script).
    static func write(_ text: String, to path: String, executable: Bool = false) throws {
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(text.utf8),
            attributes: [.posixPermissions: executable ? 0o700 : 0o600])
        guard created else { throw RunnerError("could not write \(path)") }
    }
}
