import ArgumentParser

/// `playhouse workflows list|launch|show|cancel`.
package struct Workflows: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        abstract: "List workflows, launch one, show or cancel a run.",
        subcommands: [List.self, LaunchWorkflow.self, Show.self, Cancel.self])

    package init() {}

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The workflows you may see.")

        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let workflows = try await api.call { try await $0.listWorkflows().ok.body.json }
            if options.output == .json { return try JSONOutput.print(workflows) }
            var table = Table(header: ["ID", "NAME", "NODES", "DESCRIPTION"])
            for workflow in workflows.workflows {
                table.rows.append([String(workflow.id), workflow.name, String(workflow.nodes.count), workflow.description ?? ""])
            }
            Terminal.out(table.text)
        }
    }

    struct LaunchWorkflow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "launch", abstract: "Launch a workflow by its name or id.",
            discussion: """
                With --follow, prints each node as it moves and exits with the run's status: 0 successful, \
                2 failed, 3 error, 4 canceled.
                """)

        @Argument(help: "The workflow's name or id.")
        var workflow: String

        @Option(name: .long, help: "An answer to the workflow's survey, key=value; repeatable.")
        var survey: [String] = []

        @Option(name: [.short, .customLong("extra-vars")], help: "key=value pairs, JSON or YAML text, or @FILE; repeatable, later wins.")
        var extraVars: [String] = []

        @Option(name: [.short, .long], help: "For nodes that prompt for it: a stored inventory's id, or a path in the project.")
        var inventory: String?

        @Option(name: [.short, .long], help: "For nodes that prompt for it: a host pattern.")
        var limit: String?

        @OptionGroup var follow: FollowOption
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let workflows = try await api.call { try await $0.listWorkflows().ok.body.json.workflows }
            guard let found = workflows.first(where: { String($0.id) == workflow }) ?? workflows.first(where: { $0.name == workflow })
            else {
                throw ClientFailure("no workflow \"\(workflow)\" that you may see", detail: "`playhouse workflows list` shows them")
            }
            let request = Components.Schemas.WorkflowLaunchRequest(
                extraVars: try extraVars.isEmpty ? nil : ExtraVars.merge(extraVars), limit: limit, inventory: inventory,
                survey: try SurveyAnswers.parse(survey, questions: found.survey))
            let run = try await api.call {
                try await $0.launchWorkflow(path: .init(id: found.id), body: .json(request)).accepted.body.json
            }
            let link = "\(api.settings.url)/workflow-jobs/\(run.id)"
            guard follow.follow else {
                if options.output == .json { return try JSONOutput.print(run) }
                return Terminal.out("workflow job #\(run.id) \(run.status.rawValue): \(link)\n")
            }
            Terminal.note("workflow job #\(run.id) \(run.status.rawValue): \(link)")
            let json = options.output == .json
            let status = try await WorkflowFollower(settings: api.settings, workflowJobID: run.id) { line in
                json ? Terminal.note(String(line.dropLast())) : Terminal.out(line)
            }.follow()
            if json {
                try JSONOutput.print(
                    try await api.call { try await $0.getWorkflowJob(path: .init(id: run.id)).ok.body.json })
            } else if status != "successful" {
                Terminal.note("workflow job #\(run.id) ended \(status)")
            }
            let code = RunStatus.exitCode(status)
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A workflow run and its nodes.")

        @Argument(help: "The workflow job's id.") var id: Int
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let run = try await api.call { try await $0.getWorkflowJob(path: .init(id: id)).ok.body.json }
            if options.output == .json { return try JSONOutput.print(run) }
            var lines = ["workflow job #\(run.id) \(run.name) \(run.status.rawValue)", "  launched by \(run.launchedBy)"]
            if let error = run.error { lines.append("  error: \(error)") }
            lines.append("  \(api.settings.url)/workflow-jobs/\(run.id)")
            lines += run.nodes.map { "  " + WorkflowFollower.describe($0) }
            Terminal.out(lines.joined(separator: "\n") + "\n")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a workflow run and the jobs it has running.")

        @Argument(help: "The workflow job's id.") var id: Int
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let run = try await api.call { try await $0.cancelWorkflowJob(path: .init(id: id)).accepted.body.json }
            if options.output == .json { return try JSONOutput.print(run) }
            Terminal.out("workflow job #\(run.id) \(run.status == .canceled ? "canceled" : "is being canceled")\n")
        }
    }
}
