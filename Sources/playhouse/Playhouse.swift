import ArgumentParser
import PlayhouseClient

/// The `playhouse` command: the web server with its embedded workers, and tools around it.
@main
struct Playhouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playhouse",
        abstract: "A web console and job queue for Ansible.",
        discussion: """
            Server side: serve, worker, and the commands that work on its database (run, users, tokens, \
            compact, cleanup, backup, restore). Client side, over the API of a Playhouse anywhere: login, \
            launch, templates, jobs, workflows.
            """,
        subcommands: [
            Serve.self, Worker.self, Run.self, Users.self, Tokens.self, Compact.self, Cleanup.self, Backup.self, Restore.self,
            Login.self, Launch.self, Templates.self, Jobs.self, Workflows.self,
        ],
        defaultSubcommand: Serve.self)
}
