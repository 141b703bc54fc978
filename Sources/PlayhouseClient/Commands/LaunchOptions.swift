import ArgumentParser
import Foundation
import OpenAPIRuntime

/// The launch fields a launch, a template's launch and a workflow's launch may set; each is
/// sent only when given, so a template's own values stay unless overridden.
struct LaunchOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "A stored inventory's id, or a path inside the project (a file, or a script Ansible runs).")
    var inventory: String?

    @Option(
        name: [.short, .customLong("extra-vars")],
        help: "key=value pairs, JSON or YAML text, or @FILE (YAML or JSON); repeatable, later wins.")
    var extraVars: [String] = []

    @Option(name: [.short, .long], help: "A host pattern the run is limited to.")
    var limit: String?

    @Option(name: [.short, .long], help: "Only tasks with these tags (comma-separated).")
    var tags: String?

    @Option(name: .long, help: "Skip tasks with these tags (comma-separated).")
    var skipTags: String?

    @Flag(name: [.customShort("C"), .long], help: "Check mode: report what would change, change nothing.")
    var check = false

    @Flag(name: [.customShort("D"), .long], help: "Show the differences in changed files.")
    var diff = false

    @Flag(name: .customShort("v"), help: "More verbose (-v to -vvvv).")
    var verbosity: Int

    @Option(name: .long, help: "Parallel hosts.")
    var forks: Int?

    @Option(name: .long, help: "Seconds after which the run is stopped and ends error.")
    var timeout: Double?

    @Option(name: .long, help: "-100 to 100: a queued job of higher priority is taken first (0 by default).")
    var priority: Int?

    @Option(name: .long, help: "The worker group to run on, among those the template, inventory or project allows.")
    var workerGroup: String?

    func validate() throws {
        guard verbosity <= 4 else { throw ValidationError("-v may be given up to four times (-vvvv)") }
    }

    /// The extra vars, merged in the order given; nil when none were.
    func vars() throws -> OpenAPIObjectContainer? {
        try extraVars.isEmpty ? nil : ExtraVars.merge(extraVars)
    }

    var tagList: [String]? { tags.map(Self.list) }
    var skipTagList: [String]? { skipTags.map(Self.list) }

    private static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Whether to watch a run to its end.
struct FollowOption: ParsableArguments {
    @Flag(name: [.short, .long], help: "Print the run live and exit with its status: 0 successful, 2 failed, 3 error, 4 canceled.")
    var follow = false
}
