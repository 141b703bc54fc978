import Foundation
import PlayhouseTestSupport

/// Where the benchmark finds Ansible and the binaries, and the scratch folder holding
/// its generated project, databases, logs and run directories.
struct BenchContext: Sendable {
    /// The repository root (`make bench` runs from it).
    let root: String
    /// The project-local venv's `bin`, with ansible-core and ansible-runner.
    let ansibleBin: String
    /// Scratch space, removed at the end.
    let scratch: String
    /// The projects folder holding the generated `bench` project.
    var projects: String { scratch + "/projects" }
    var project: String { projects + "/bench" }

    static func make() throws -> BenchContext {
        let root = FileManager.default.currentDirectoryPath
        let ansibleBin = root + "/.venv/bin"
        for tool in ["ansible-playbook", "ansible-runner"] where !FileManager.default.isExecutableFile(atPath: ansibleBin + "/" + tool) {
            throw BenchError("\(ansibleBin)/\(tool) is missing: run `make bench` from the repository root")
        }
        guard FileManager.default.isExecutableFile(atPath: PlayhouseProcess.binary) else {
            throw BenchError("\(PlayhouseProcess.binary) is missing: build the package (`make bench` does)")
        }
        let context = BenchContext(root: root, ansibleBin: ansibleBin, scratch: try TestPaths.scratch("bench"))
        try FileManager.default.createDirectory(atPath: context.project, withIntermediateDirectories: true)
        return context
    }

    /// Writes a file of the `bench` project.
    func write(_ name: String, _ text: String, executable: Bool = false) throws {
        try text.write(toFile: project + "/" + name, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: project + "/" + name) }
    }

    /// Progress on stderr, so a long run shows where it is.
    func log(_ message: String) {
        FileHandle.standardError.write(Data("[\(Date().formatted(date: .omitted, time: .standard))] \(message)\n".utf8))
    }
}

/// A benchmark that could not run; the message says why.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
