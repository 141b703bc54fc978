import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PlayhouseCore
import PlayhouseRunner
import PlayhouseServer
import PlayhouseStore
import ServiceLifecycle

/// `playhouse serve`: the web page, the API and the embedded workers.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the web page and API, and run jobs.")

    @Option(name: .long, help: "Address to listen on (env PLAYHOUSE_HOST).")
    var host: String = ProcessInfo.processInfo.environment["PLAYHOUSE_HOST"] ?? "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (env PLAYHOUSE_PORT).")
    var port: Int = ProcessInfo.processInfo.environment["PLAYHOUSE_PORT"].flatMap(Int.init) ?? 8080

    @Option(name: .long, help: "Jobs run at once; default the number of cores (env PLAYHOUSE_WORKERS).")
    var workers: Int = ProcessInfo.processInfo.environment["PLAYHOUSE_WORKERS"].flatMap(Int.init)
        ?? ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard (1...65535).contains(port) else { throw ArgumentParser.ValidationError("--port must be 1 to 65535") }
        guard workers >= 1 else { throw ArgumentParser.ValidationError("--workers must be at least 1") }
    }

    func run() async throws {
        let logger = common.logger("playhouse")
        let ansible = try AnsibleInstallation.locate(explicit: common.ansibleBin)
        let runsDirectory = CommonOptions.absolute(common.runsDir)
        try await Store.withSQLite(path: CommonOptions.absolute(common.database), logger: logger) { store in
            let interrupted = try await store.interruptRunningJobs(message: "interrupted: server stopped")
            if !interrupted.isEmpty {
                logger.warning("ended jobs left running by the last server", metadata: ["jobs": "\(interrupted)"])
            }
            let catalog = ProjectCatalog(root: CommonOptions.absolute(common.projects))
            let runner = PlaybookRunner(ansible: ansible, runsDirectory: runsDirectory, logger: logger)
            let resolver = InventoryResolver(ansible: ansible, runsDirectory: runsDirectory)
            let dependencies = ServerDependencies(store: store, catalog: catalog) { inventory, environment in
                try await resolver.resolve(
                    inventory.kind == .script ? .script(inventory.content) : .text(inventory.content),
                    environment: environment)
            }
            let pool = WorkerPool(
                store: store, catalog: catalog, runner: runner, capacity: workers,
                name: "\(ProcessInfo.processInfo.hostName)-\(getpid())", logger: logger)
            try await pool.cleanUpAfterCrash(interrupted: interrupted)
            let app = buildApplication(
                configuration: ServerConfiguration(host: host, port: port),
                dependencies: dependencies, services: [pool], logger: logger)
            logger.info("Playhouse serving", metadata: [
                "url": "http://\(host):\(port)", "projects": .string(catalog.root),
                "ansible": .string(ansible.binDirectory), "workers": "\(workers)",
            ])
            try await app.runService()
        }
    }
}
