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

/// The playbooks and inventories the benchmarks run.
enum Playbooks {
    /// `count` `debug` tasks: no module runs on a host, so the run is all Ansible's own
    /// work and its events.
    static func debug(tasks count: Int) -> String {
        play((1...count).map { "    - name: step \($0)\n      ansible.builtin.debug:\n        msg: \"step \($0) on {{ inventory_hostname }}\"" })
    }

    /// `count` `command` tasks: each one a real module run over the host's connection.
    static func command(tasks count: Int) -> String {
        play((1...count).map { "    - name: step \($0)\n      ansible.builtin.command: echo step \($0)\n      changed_when: false" })
    }

    private static func play(_ tasks: [String]) -> String {
        "- hosts: all\n  gather_facts: false\n  tasks:\n" + tasks.joined(separator: "\n") + "\n"
    }

    static func localHosts(_ count: Int) -> String {
        TestPaths.localInventory((1...count).map { String(format: "h%02d", $0) })
    }
}
