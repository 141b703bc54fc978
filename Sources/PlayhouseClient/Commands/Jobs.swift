import ArgumentParser
import Foundation
import OpenAPIRuntime

/// `playhouse jobs list|show|cancel|relaunch|logs`.
package struct Jobs: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        abstract: "List, show, cancel and relaunch jobs, and print their logs.",
        subcommands: [List.self, Show.self, Cancel.self, Relaunch.self, Logs.self])

    package init() {}

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Jobs, newest first.")

        @Option(help: "queued, running, successful, failed, error or canceled.")
        var status: Operations.ListJobs.Input.Query.StatusPayload?
        @Option(help: "Only jobs of this project.") var project: String?
        @Option(help: "Only jobs of this playbook.") var playbook: String?
        @Option(help: "Only jobs of this template (its id).") var template: Int?
        @Option(help: "Only jobs this user launched.") var launchedBy: String?
        @Option(help: "Only jobs that ran on this host.") var host: String?
        @Option(help: "Only jobs created at or after this date (2026-11-30) or time (RFC 3339).") var since: String?
        @Option(help: "Only jobs created before this date or time.") var until: String?
        @Option(help: "Words of task names, hosts and failure messages.") var search: String?
        @Option(help: "Jobs to show (1 to 500).") var limit: Int = 50
        @Option(help: "Only jobs with a smaller id (the next page).") var before: Int?
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let query = Operations.ListJobs.Input.Query(
                status: status, project: project, playbook: playbook, template: template, launchedBy: launchedBy, host: host, since: since,
                until: until, q: search, limit: limit, before: before)
            let page = try await api.call { try await $0.listJobs(query: query).ok.body.json }
            if options.output == .json { return try JSONOutput.print(page) }
            var table = Table(header: ["ID", "STATUS", "PROJECT", "PLAYBOOK", "LAUNCHED BY", "CREATED"])
            for job in page.jobs {
                table.rows.append([
                    String(job.id), job.status.rawValue, job.project, job.playbook, job.launchedBy ?? "-",
                    job.createdAt.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeSeparator(.colon)),
                ])
            }
            Terminal.out(table.text)
            if let next = page.nextBefore { Terminal.note("more: --before \(next)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A job: what ran, how it ended, each host's counts.")

        @Argument(help: "The job's id.") var id: Int
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let job = try await api.call { try await $0.getJob(path: .init(id: id)).ok.body.json }
            if options.output == .json { return try JSONOutput.print(job) }
            var lines = [
                "job #\(job.id) \(job.status.rawValue)", "  \(job.project)/\(job.playbook) on \(job.inventory)",
                "  launched by \(job.launchedBy ?? "-") at \(job.createdAt.formatted(.iso8601))",
            ]
            if let error = job.error { lines.append("  error: \(error)") }
            if let limit = job.limit { lines.append("  limit: \(limit)") }
            if let commit = job.commit { lines.append("  commit: \(commit)") }
            lines.append("  \(api.settings.url)/jobs/\(job.id)")
            var table = Table(header: ["HOST", "OK", "CHANGED", "FAILED", "UNREACHABLE", "SKIPPED"])
            for (host, counts) in job.hosts.additionalProperties.sorted(by: { $0.key < $1.key }) {
                table.rows.append([host] + [counts.ok, counts.changed, counts.failed, counts.unreachable, counts.skipped].map(String.init))
            }
            Terminal.out(lines.joined(separator: "\n") + "\n" + (table.rows.isEmpty ? "" : "\n" + table.text))
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a queued or running job.")

        @Argument(help: "The job's id.") var id: Int
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let job = try await api.call { try await $0.cancelJob(path: .init(id: id)).accepted.body.json }
            if options.output == .json { return try JSONOutput.print(job) }
            Terminal.out("job #\(job.id) \(job.status == .canceled ? "canceled" : "is being canceled")\n")
        }
    }

    struct Relaunch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Launch a job again with the same parameters.",
            discussion: "With --follow, prints the run live and exits 0 successful, 2 failed, 3 error, 4 canceled.")

        @Argument(help: "The job's id.") var id: Int
        @Flag(help: "Only the hosts that failed or were unreachable.") var failed = false
        @OptionGroup var follow: FollowOption
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let api = try options.connect()
            let job = try await api.call {
                try await $0.relaunchJob(path: .init(id: id), body: .json(.init(hosts: failed ? .failed : .all))).accepted.body.json
            }
            try await JobReport(options: options, settings: api.settings).launched(job, follow: follow.follow)
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a job's log.",
            discussion: "With --follow, prints it live to the job's end and exits 0 successful, 2 failed, 3 error, 4 canceled.")

        @Argument(help: "The job's id.") var id: Int
        @OptionGroup var follow: FollowOption
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let settings = try options.settings()
            if follow.follow { return try await JobReport(options: options, settings: settings).follow(id) }
            let api = try Connection(settings, lifetime: API.downloadLifetime)
            let log = try await api.call {
                try await $0.getJobOutput(path: .init(id: id), query: .init(ansi: options.colours ? nil : "0")).ok.body.plainText
            }
            for try await chunk in log { FileHandle.standardOutput.write(Data(chunk)) }
        }
    }
}

extension Operations.ListJobs.Input.Query.StatusPayload: ExpressibleByArgument {
    /// The statuses, without the API's empty one (every status), which is leaving `--status` out.
    static var allValueStrings: [String] { allCases.map(\.rawValue).filter { !$0.isEmpty } }
}
