import ArgumentParser
import Foundation

/// What every client command takes: which Playhouse, and how to print.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Playhouse's address (env PLAYHOUSE_URL; default: the one `playhouse login` stored).")
    var url: String?

    @Option(name: .long, help: "text, or json: one JSON document for scripts.")
    var output: OutputFormat = .text

    @Flag(name: .long, help: "No colours in a followed run's log (also when NO_COLOR is set or the output is no terminal).")
    var noColor = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    /// The settings to connect with: the stored ones, the environment's, and `--url`.
    func settings() throws -> ClientSettings { try ClientSettings.load(url: url) }

    /// A connection with those settings.
    func connect() throws -> Connection { try Connection(settings()) }

    /// Whether a followed log keeps its colours.
    var colours: Bool {
        !noColor && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) == 1 && output == .text
    }
}
