import Foundation

/// A private folder (0700) for one run: the event pipe, the extra vars file, the inventory
/// and Ansible's temporary files. It is removed when the run ends, whatever happens.
enum JobDirectory {
    static let prefix = "run-"
    /// The file in a run directory holding the run's job tag.
    static let tagFile = "job-tag"

    static func with<T>(in parent: String, _ body: (String) async throws -> T) async throws -> T {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let path = parent + "/" + prefix + UUID().uuidString.lowercased().prefix(13)
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
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
