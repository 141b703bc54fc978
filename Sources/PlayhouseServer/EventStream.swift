import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// One Server-Sent Events stream of a job: every stored event after a seq, then each new
/// one as it is stored, then `event: end` with the final job, and the stream closes.
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
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        while true {
            let page = try await frames.page(of: jobID, after: after, freshAsOf: freshAsOf)
            if let last = page.lastSeq {
                try await writer.write(page.bytes)
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
        "id: \(event.seq)\nevent: \(event.type)\ndata: \(EventResponse(event: event).json.jsonString())\n\n"
    }

    static func endFrame(_ job: Job) -> String {
        "event: end\ndata: \(Self.json(JobResponse(job)))\n\n"
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // JSON text never holds a raw newline, so one `data:` line carries it.
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }
}
