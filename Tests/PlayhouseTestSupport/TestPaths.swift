import Foundation
import Logging
import PlayhouseStore

/// Where the tests find the repository, the project-local Ansible and scratch space.
public enum TestPaths {
    /// The repository root (the folder with Package.swift).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Package.swift") { return url.path }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The venv `make test` sets up; tests fail loudly when it is missing.
    public static var ansibleBin: String {
        let bin = root + "/.venv/bin"
        precondition(
            FileManager.default.isExecutableFile(atPath: bin + "/ansible-playbook"),
            "ansible-playbook is missing from \(bin): run `make test` (it installs ansible-core) instead of `swift test`")
        return bin
    }

    /// The bundled projects folder (holds `demo`).
    public static var examples: String { root + "/examples" }

    /// A fresh temporary folder, removed by the caller or at the end of the machine's life.
    public static func scratch(_ name: String = "test") throws -> String {
        let path = NSTemporaryDirectory() + "playhouse-\(name)-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A new empty store, closed (and its PostgreSQL server stopped) when `body` ends.
    public static func withStore<T>(_ backend: TestBackend = .sqlite, _ body: (Store) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite:
            return try await Store.withSQLite(path: try scratch("db") + "/playhouse.sqlite", logger: Logger(label: "test"), body)
        case .postgres:
            return try await TestPostgres.with { url in
                try await Store.withPostgres(url: url, logger: Logger(label: "test"), body)
            }
        }
    }

    /// Writes `files` (relative path → content) into a new projects folder with one
    /// project `name`, and returns the projects folder.
    public static func makeProject(_ name: String = "p", files: [String: String], executable: Set<String> = []) throws -> String {
        let projects = try scratch("projects")
        for (path, content) in files {
            let full = projects + "/" + name + "/" + path
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
            if executable.contains(path) {
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: full)
            }
        }
        try FileManager.default.createDirectory(atPath: projects + "/" + name, withIntermediateDirectories: true)
        return projects
    }

    /// An inventory of local hosts that need no SSH.
    public static func localInventory(_ hosts: [String]) -> String {
        (["[all]"] + hosts + [
            "", "[all:vars]", "ansible_connection=local",
            "ansible_python_interpreter=\"{{ ansible_playbook_python }}\"",
        ])
        .joined(separator: "\n") + "\n"
    }
}

/// The databases the store tests run against.
public enum TestBackend: String, Sendable, CaseIterable {
    case sqlite
    case postgres
}
