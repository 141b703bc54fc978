import ArgumentParser
import Foundation
import Logging
import PlayhouseEngine
import PlayhouseStore
import PlayhouseWorker
import Synchronization

/// Where the database is, and how much to log: every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite file, or postgres://user:password@host:5432/db (env PLAYHOUSE_DATABASE).")
    var database: String = ProcessInfo.processInfo.environment["PLAYHOUSE_DATABASE"] ?? "var/playhouse.sqlite"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error (env PLAYHOUSE_LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["PLAYHOUSE_LOG_LEVEL"] ?? "info"

    @Option(name: .long, help: "Log lines as text, or json: one object a line (env PLAYHOUSE_LOG_FORMAT).")
    var logFormat: LogFormat = ProcessInfo.processInfo.environment["PLAYHOUSE_LOG_FORMAT"].flatMap(LogFormat.init) ?? .text

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    var usesPostgres: Bool { database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") }

    /// The command's logger; the first call sets the format of every logger of the process.
    func logger(_ label: String) -> Logger {
        Self.bootstrap.withLock { done in
            guard !done else { return }
            done = true
            if logFormat == .json { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
        }
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }

    private static let bootstrap = Mutex(false)

    /// Opens the database `--database` names, for as long as `body` runs. PostgreSQL is
    /// waited for at most `waitLimit` (nil: as long as it takes; zero: one attempt).
    func withStore<T>(logger: Logger, waitLimit: Duration? = .zero, _ body: (Store) async throws -> T) async throws -> T {
        if usesPostgres {
            return try await Store.withPostgres(url: database, logger: logger, waitLimit: waitLimit, body)
        }
        return try await Store.withSQLite(path: CommonOptions.absolute(database), logger: logger, body)
    }
}

/// Options every command that runs jobs shares.
struct CommonOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Folder of projects; each subfolder is a project (env PLAYHOUSE_PROJECTS).")
    var projects: String = ProcessInfo.processInfo.environment["PLAYHOUSE_PROJECTS"] ?? "examples"

    @Option(name: .long, help: "Folder holding ansible-playbook (env PLAYHOUSE_ANSIBLE_BIN; default ./.venv/bin, then PATH).")
    var ansibleBin: String = ProcessInfo.processInfo.environment["PLAYHOUSE_ANSIBLE_BIN"] ?? ""

    @Option(name: .long, help: "Folder for private run directories, one per process (env PLAYHOUSE_RUNS_DIR).")
    var runsDir: String = ProcessInfo.processInfo.environment["PLAYHOUSE_RUNS_DIR"] ?? "var/runs"

    @Option(name: .long, help: "Seconds without a heartbeat before a running job ends 'worker lost' (env PLAYHOUSE_WORKER_LOST_AFTER).")
    var workerLostAfter: Double = ProcessInfo.processInfo.environment["PLAYHOUSE_WORKER_LOST_AFTER"].flatMap(Double.init) ?? 30

    @Option(
        name: .long,
        help:
            """
            File holding the key that seals stored secrets, created 0600 when missing; \
            PLAYHOUSE_SECRET_KEY (base64) takes precedence (env PLAYHOUSE_SECRET_KEY_FILE).
            """
    )
    var secretKeyFile: String = ProcessInfo.processInfo.environment["PLAYHOUSE_SECRET_KEY_FILE"] ?? "var/secret.key"

    @Option(name: .long, help: "Output kept per job in MB; the rest is dropped with a marker line (env PLAYHOUSE_MAX_OUTPUT_MB).")
    var maxOutputMb: Int = ProcessInfo.processInfo.environment["PLAYHOUSE_MAX_OUTPUT_MB"].flatMap(Int.init) ?? 256

    @Option(name: .long, help: "Longest line of output kept, in KB; longer lines are cut (env PLAYHOUSE_MAX_LINE_KB).")
    var maxLineKb: Int = ProcessInfo.processInfo.environment["PLAYHOUSE_MAX_LINE_KB"].flatMap(Int.init) ?? 64

    @Option(name: .long, help: "Events kept per job; later ones are counted, not stored (env PLAYHOUSE_MAX_EVENTS).")
    var maxEvents: Int = ProcessInfo.processInfo.environment["PLAYHOUSE_MAX_EVENTS"].flatMap(Int.init) ?? 1_000_000

    @Option(
        name: .long,
        help: """
            Seconds to wait at start for a PostgreSQL that cannot be reached yet, trying again every 2 s at most; \
            inf: as long as it takes (env PLAYHOUSE_DATABASE_WAIT).
            """)
    var databaseWait: Double = ProcessInfo.processInfo.environment["PLAYHOUSE_DATABASE_WAIT"].flatMap(Double.init) ?? .infinity

    func validate() throws {
        guard workerLostAfter >= 1 else { throw ArgumentParser.ValidationError("--worker-lost-after must be at least 1 second") }
        guard databaseWait >= 0 else { throw ArgumentParser.ValidationError("--database-wait must be 0 or more seconds, or inf") }
        guard maxOutputMb >= 1, maxLineKb >= 1, maxEvents >= 100 else {
            throw ArgumentParser.ValidationError("--max-output-mb and --max-line-kb must be at least 1, --max-events at least 100")
        }
    }

    /// How long a job may go without a heartbeat; heartbeats come four times as often.
    var lease: Duration { .seconds(workerLostAfter) }

    func runner(logger: Logger) throws -> PlaybookRunner {
        PlaybookRunner(
            ansible: try AnsibleInstallation.locate(explicit: ansibleBin),
            runsDirectory: Self.absolute(runsDir),
            limits: RunLimits(maxLineBytes: maxLineKb * 1024, maxOutputBytes: maxOutputMb * 1024 * 1024, maxEvents: maxEvents),
            logger: logger)
    }

    /// Opens the store and hands `body` the process's services built over it; the store
    /// closes when `body` returns.
    func withComposition<T>(logger: Logger, _ body: (Composition) async throws -> T) async throws -> T {
        let runner = try runner(logger: logger)
        let catalog = ProjectCatalog(root: Self.absolute(projects))
        let secrets = try secrets()
        return try await store.withStore(logger: logger, waitLimit: databaseWait.isFinite ? .seconds(databaseWait) : nil) { store in
            try await body(Composition(store: store, catalog: catalog, secrets: secrets, runner: runner, lease: lease, logger: logger))
        }
    }

    /// The key for stored secrets: `PLAYHOUSE_SECRET_KEY`, else `--secret-key-file`.
    func secrets() throws -> SecretBox {
        try SecretBox.load(base64: ProcessInfo.processInfo.environment["PLAYHOUSE_SECRET_KEY"], file: Self.absolute(secretKeyFile))
    }

    /// Absolute form of a path given relative to the working directory.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }

    /// `host-pid`: unique per process, readable.
    static var defaultWorkerName: String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())"
    }
}
