import ArgumentParser

/// The `playhouse` command: the web server with its embedded workers, and tools around it.
@main
struct Playhouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playhouse",
        abstract: "A web console and job queue for Ansible.",
        subcommands: [Serve.self, Worker.self, Run.self, Users.self, Tokens.self, Compact.self, Cleanup.self, Backup.self, Restore.self],
        defaultSubcommand: Serve.self)
}
