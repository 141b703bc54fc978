import ArgumentParser
import Foundation
import PlayhouseStore

/// `playhouse compact`: shrinks the stored output and events of jobs that ended long ago.
struct Compact: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compact the logs and events of old jobs.",
        discussion: """
            Each job that ended more than --older-than days ago has its log stored deflated \
            (still readable by line, searchable and downloadable) and its events past \
            --keep-events dropped (Ansible's recap is kept, and a marker event says how many \
            went). Its tasks, hosts and counts stay. Safe to run while Playhouse serves; run \
            it from cron, say, once a day.
            """)

    @Option(name: .long, help: "Compact jobs that ended more than this many days ago.")
    var olderThan = 30

    @Option(name: .long, help: "Events kept per compacted job.")
    var keepEvents = 10_000

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard olderThan >= 0 else { throw ValidationError("--older-than must be 0 or more days") }
        guard keepEvents >= 0 else { throw ValidationError("--keep-events must be 0 or more") }
    }

    func run() async throws {
        let cutoff = Date().addingTimeInterval(-Double(olderThan) * 86_400)
        try await store.withStore(logger: store.logger("playhouse.compact")) { store in
            let report = try await store.compact(endedBefore: cutoff, keepEvents: keepEvents)
            let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
            print(
                "compacted \(report.jobs) jobs: logs \(mib(report.logBytesBefore)) → \(mib(report.logBytesAfter)), "
                    + "\(report.eventsDropped) events dropped")
        }
    }
}
