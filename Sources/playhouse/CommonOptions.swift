import ArgumentParser
import Foundation
import Logging

/// Options every command that touches jobs shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite database file (env PLAYHOUSE_DATABASE).")
    var database: String = ProcessInfo.processInfo.environment["PLAYHOUSE_DATABASE"] ?? "var/playhouse.sqlite"

    @Option(name: .long, help: "Folder of projects; each subfolder is a project (env PLAYHOUSE_PROJECTS).")
    var projects: String = ProcessInfo.processInfo.environment["PLAYHOUSE_PROJECTS"] ?? "examples"

    @Option(name: .long, help: "Folder holding ansible-playbook (env PLAYHOUSE_ANSIBLE_BIN; default ./.venv/bin, then PATH).")
    var ansibleBin: String = ProcessInfo.processInfo.environment["PLAYHOUSE_ANSIBLE_BIN"] ?? ""

    @Option(name: .long, help: "Folder for private run directories (env PLAYHOUSE_RUNS_DIR).")
    var runsDir: String = ProcessInfo.processInfo.environment["PLAYHOUSE_RUNS_DIR"] ?? "var/runs"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error (env PLAYHOUSE_LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["PLAYHOUSE_LOG_LEVEL"] ?? "info"

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }

    /// Absolute form of a path given relative to the working directory.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }
}
