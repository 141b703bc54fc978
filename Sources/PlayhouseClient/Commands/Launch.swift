import ArgumentParser

/// `playhouse launch PROJECT PLAYBOOK -i INVENTORY`: runs a playbook through Playhouse, as
/// `ansible-playbook` would run it here.
package struct Launch: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        abstract: "Launch a playbook of a project on a Playhouse server.",
        discussion: "With --follow, prints the run live and exits 0 successful, 2 failed, 3 error, 4 canceled.")

    @Argument(help: "The project (a folder of the projects directory, or a git project).")
    var project: String

    @Argument(help: "The playbook, as a path inside the project.")
    var playbook: String

    @OptionGroup var launch: LaunchOptions
    @OptionGroup var follow: FollowOption
    @OptionGroup var options: ClientOptions

    package init() {}

    package func validate() throws {
        guard launch.inventory != nil else {
            throw ValidationError("give the inventory: -i INVENTORY (a stored inventory's id, or a path)")
        }
    }

    package func run() async throws {
        let api = try options.connect()
        let request = Components.Schemas.LaunchRequest(
            project: project, playbook: playbook, inventory: launch.inventory ?? "", extraVars: try launch.vars(), limit: launch.limit,
            tags: launch.tagList, skipTags: launch.skipTagList, check: launch.check ? true : nil, diff: launch.diff ? true : nil,
            verbosity: launch.verbosity == 0 ? nil : launch.verbosity, forks: launch.forks,
            priority: launch.priority, workerGroup: launch.workerGroup, timeout: launch.timeout)
        let job = try await api.call { try await $0.launchJob(body: .json(request)).accepted.body.json }
        try await JobReport(options: options, settings: api.settings).launched(job, follow: follow.follow)
    }
}
