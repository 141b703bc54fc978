import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// One Server-Sent Events stream of a job: every stored event after a seq, then each new
/// one as it is stored, then `event: end` with the final job, and the stream closes.
///
/// The store is the source of truth: a wake-up only says "read again", so a client that
/// reconnects with `Last-Event-ID` gets exactly the events it has not seen.
struct EventStream: Sendable {
    let store: Store
    let jobID: Int64
    let heartbeat: Duration
    static let pageSize = 500

    private enum Wake: Sendable {
        case data
        case heartbeat
    }

    func write(after start: Int, to writer: inout any ResponseBodyWriter) async throws {
        let (wakes, wake) = AsyncStream.makeStream(of: Wake.self, bufferingPolicy: .bufferingNewest(4))
        // Subscribe before the first read, so nothing stored in between is missed.
        let subscription = store.notifications.subscribe(.job(jobID))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in subscription { wake.yield(.data) }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: heartbeat)
                    wake.yield(.heartbeat)
                }
            }
            defer { group.cancelAll() }
            var after = start
            var iterator = wakes.makeAsyncIterator()
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            while true {
                let events = try await store.events(of: jobID, after: after, limit: Self.pageSize)
                if !events.isEmpty {
                    var buffer = ByteBuffer()
                    for event in events { buffer.writeString(Self.frame(event)) }
                    try await writer.write(buffer)
                    after = events.last?.seq ?? after
                    if events.count == Self.pageSize { continue }
                }
                guard let job = try await store.job(jobID) else { return }
                if job.status.isFinal {
                    // The runner stores its last events before it ends the job: one more read
                    // after seeing the end catches them.
                    let rest = try await store.events(of: jobID, after: after, limit: Self.pageSize)
                    if !rest.isEmpty { continue }
                    try await writer.write(ByteBuffer(string: Self.endFrame(job)))
                    return
                }
                switch await iterator.next() {
                case .heartbeat?:
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                case .data?, nil:
                    break
                }
            }
        }
    }

    static func frame(_ event: JobEvent) -> String {
        "id: \(event.seq)\nevent: \(event.type)\ndata: \(Self.json(EventResponse(event: event)))\n\n"
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
