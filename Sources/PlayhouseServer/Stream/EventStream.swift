import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// One Server-Sent Events stream of a job: every stored event after a seq, then each new
/// one as it is stored, then `event: end` with the final job, and the stream closes.
/// `event: summary` carries the job's counts and progress (``Summary``) folded over at least
/// every event sent before it: once at the start, then after each batch of events that
/// changed them, so no client folds events itself.
///
/// The store is the source of truth: a wake-up only says "read again", so a client that
/// reconnects with `Last-Event-ID` gets exactly the events it has not seen. Reads go
/// through the process's shared ``EventFrames``. The server's heartbeat ticks make an idle
/// stream send a comment, so a departed client is noticed.
struct EventStream: Sendable {
    let store: Store
    let frames: EventFrames
    let jobID: Int64

    func write(after start: Int, to writer: inout any ResponseBodyWriter) async throws {
        // Subscribe before the first read, so nothing stored in between is missed.
        let wakes = store.notifications.subscribe(to: [.job(jobID), .heartbeat])
        var iterator = wakes.makeAsyncIterator()
        var after = start
        var freshAsOf = ContinuousClock.now
        var sentSummary: ByteBuffer?
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        while true {
            var page = try await frames.page(of: jobID, after: after, freshAsOf: freshAsOf)
            if let summary = page.summary, summary != sentSummary {
                page.bytes.writeImmutableBuffer(summary)
                sentSummary = summary
            }
            if page.bytes.readableBytes > 0 { try await writer.write(page.bytes) }
            if let last = page.lastSeq {
                after = last
                continue
            }
            if page.gone { return }
            if let job = page.endedJob {
                try await writer.write(ByteBuffer(string: Self.endFrame(job)))
                return
            }
            switch await iterator.next() {
            case .heartbeat?:
                try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
            case nil:
                return
            default:
                break
            }
            // Whatever the wake-up announced was stored before now.
            freshAsOf = ContinuousClock.now
        }
    }

    static func frame(_ event: JobEvent) -> String {
        // JSON text never holds a raw newline, so one `data:` line carries it.
        "id: \(event.seq)\nevent: \(event.type.name)\ndata: \(EventResponse(event: event).json.jsonString())\n\n"
    }

    static func endFrame(_ job: Job) -> String {
        "event: end\ndata: \(Self.json(JobResponse(job)))\n\n"
    }

    /// A job's folded summary as its JSON shows it: the same `progress` and `hosts`.
    struct Summary: Encodable, Equatable {
        var progress: JobProgress
        var hosts: [String: HostCounts]

        init(_ job: Job) {
            let fields = JobFields(job)
            progress = fields.progress
            hosts = fields.hosts
        }
    }

    static func summaryFrame(_ summary: Summary) -> String {
        "event: summary\ndata: \(Self.json(summary))\n\n"
    }

    static func json(_ value: some Encodable) -> String {
        // JSON text never holds a raw newline, so one `data:` line carries it.
        (try? String(decoding: JSONEncoder.api.encode(value), as: UTF8.self)) ?? "{}"
    }
}
