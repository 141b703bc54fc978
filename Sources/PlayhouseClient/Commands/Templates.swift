import ArgumentParser

/// `playhouse templates list|launch`: the job templates the caller may see, and launching one.
package struct Templates: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        abstract: "List job templates, or launch one.", subcommands: [List.self, LaunchTemplate.self])

    package init() {}

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The templates you may see.")

        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let templates = try await api.call { try await $0.listTemplates().ok.body.json }
            if options.output == .json { return try JSONOutput.print(templates) }
            var table = Table(header: ["ID", "NAME", "PROJECT", "PLAYBOOK", "INVENTORY"])
            for template in templates.templates {
                table.rows.append([String(template.id), template.name, template.project, template.playbook, template.inventory])
            }
            Terminal.out(table.text)
        }
    }

    struct LaunchTemplate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "launch", abstract: "Launch a template by its name or id.",
            discussion: """
                Only the fields the template prompts for may be given. With --follow, prints the run live \
                and exits 0 successful, 2 failed, 3 error, 4 canceled.
                """)

        @Argument(help: "The template's name or id.")
        var template: String

        @Option(name: .long, help: "An answer to the template's survey, key=value; repeatable.")
        var survey: [String] = []

        @OptionGroup var launch: LaunchOptions
        @OptionGroup var follow: FollowOption
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let templates = try await api.call { try await $0.listTemplates().ok.body.json.templates }
            guard let found = templates.first(where: { String($0.id) == template }) ?? templates.first(where: { $0.name == template })
            else {
                throw ClientFailure("no template \"\(template)\" that you may see", detail: "`playhouse templates list` shows them")
            }
            let request = Components.Schemas.TemplateLaunchRequest(
                inventory: launch.inventory, extraVars: try launch.vars(), limit: launch.limit, tags: launch.tagList,
                skipTags: launch.skipTagList, check: launch.check ? true : nil, diff: launch.diff ? true : nil,
                verbosity: launch.verbosity == 0 ? nil : launch.verbosity, forks: launch.forks,
                priority: launch.priority, workerGroup: launch.workerGroup, timeout: launch.timeout,
                survey: try SurveyAnswers.parse(survey, questions: found.survey))
            let job = try await api.call {
                try await $0.launchTemplate(path: .init(id: found.id), body: .json(request)).accepted.body.json
            }
            try await JobReport(options: options, settings: api.settings).launched(job, follow: follow.follow)
        }
    }
}
