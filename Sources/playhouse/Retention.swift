import ArgumentParser
import Foundation
import PlayhouseStore

/// An age on the command line: `90d`, `36h`, or a number of days.
struct Age: ExpressibleByArgument, Sendable, Equatable {
    var seconds: Double

    init?(argument: String) {
        let units: [Character: Double] = ["d": 86_400, "h": 3_600]
        let unit = argument.last.flatMap { units[$0] }
        guard let number = Double(unit == nil ? argument : String(argument.dropLast())), number >= 0 else { return nil }
        seconds = number * (unit ?? 86_400)
    }

    /// The moment this age before `now`.
    func before(_ now: Date) -> Date { now.addingTimeInterval(-seconds) }
}

/// What is kept how long: `playhouse cleanup` and `serve`'s daily cleanup share these.
struct RetentionOptions: ParsableArguments {
    @Option(
        name: .long, help: "Delete jobs and workflow runs that ended longer ago than this: 90d, 36h (env PLAYHOUSE_CLEANUP_OLDER_THAN).")
    var olderThan: String = ProcessInfo.processInfo.environment["PLAYHOUSE_CLEANUP_OLDER_THAN"] ?? ""

    @Option(name: .long, help: "Keep the newest N jobs of each template whatever their age (env PLAYHOUSE_CLEANUP_KEEP_LAST).")
    var keepLast: Int = ProcessInfo.processInfo.environment["PLAYHOUSE_CLEANUP_KEEP_LAST"].flatMap(Int.init) ?? 0

    @Option(name: .long, help: "Delete audit entries older than this; none when not given (env PLAYHOUSE_AUDIT_OLDER_THAN).")
    var auditOlderThan: String = ProcessInfo.processInfo.environment["PLAYHOUSE_AUDIT_OLDER_THAN"] ?? ""

    func validate() throws {
        guard keepLast >= 0 else { throw ValidationError("--keep-last must be 0 or more") }
        for (flag, value) in [("--older-than", olderThan), ("--audit-older-than", auditOlderThan)]
        where !value.isEmpty && Age(argument: value) == nil {
            throw ValidationError("\(flag) must be an age such as 90d or 36h, not \"\(value)\"")
        }
    }

    /// Whether a job retention is set.
    var isSet: Bool { !olderThan.isEmpty }

    /// The policy at `now`; nil when no job retention is set.
    func policy(at now: Date) -> CleanupPolicy? {
        Age(argument: olderThan).map {
            CleanupPolicy(
                endedBefore: $0.before(now), keepLastPerTemplate: keepLast, auditBefore: Age(argument: auditOlderThan)?.before(now))
        }
    }
}

/// `playhouse cleanup`: deletes what is past its retention.
struct Cleanup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete old jobs, workflow runs, deliveries and audit entries.",
        discussion: """
            Deletes jobs (with their events, log, tasks and host results) and workflow runs that \
            ended longer ago than --older-than, except the newest --keep-last jobs of each \
            template, deliveries as old, and audit entries older than --audit-older-than. Queued and \
            running jobs, and the jobs of running workflows, are never touched. A SQLite file \
            gives the space back (the first cleanup of an older file runs one VACUUM); \
            PostgreSQL leaves it to autovacuum. Safe while Playhouse serves; `serve` runs it \
            daily when given the same options.
            """)

    @OptionGroup var retention: RetentionOptions

    @Flag(name: .long, help: "Count what would go, and delete nothing.")
    var dryRun = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard retention.isSet else { throw ValidationError("--older-than is required, e.g. --older-than 90d") }
    }

    func run() async throws {
        guard let policy = retention.policy(at: Date()) else { return }
        try await store.withStore(logger: store.logger("playhouse.cleanup")) { store in
            let report = try await store.cleanup(policy, dryRun: dryRun)
            let verb = dryRun ? "would delete" : "deleted"
            print(
                "\(verb) \(report.jobs) jobs, \(report.workflowJobs) workflow runs, \(report.deliveries) deliveries, "
                    + "\(report.auditEntries) audit entries" + (dryRun ? "" : "; \(report.pagesFreed) pages freed"))
        }
    }
}
