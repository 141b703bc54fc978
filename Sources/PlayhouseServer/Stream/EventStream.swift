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
/// With ``Cursor/line`` set, `event: output` frames carry the job's log beside the events,
/// from that line on, and every frame's id is `SEQ,LINE`; without ``Options/events`` the
/// event frames are left out (a reader of the log alone), and bare `id:` frames keep the
/// cursor moving.
///
/// The store is the source of truth: a wake-up only says "read again", so a client that
/// reconnects with `Last-Event-ID` gets exactly the events and lines it has not seen.
/// Event reads go through the process's shared ``EventFrames``. The server's heartbeat
/// ticks make an idle stream send a comment, so a departed client is noticed.
struct EventStream: Sendable {
    /// Where a stream starts, and what its frame ids say: the last seq the client has, and
    /// for a stream with output, the lines of the log it has.
    struct Cursor: Equatable, Sendable {
        var seq: Int
        var line: Int?

        /// `SEQ` or `SEQ,LINE`, as the ids of this stream's frames read, or with the comma as
        /// `%2C` (clients generated from the OpenAPI document percent-encode header values);
        /// nil for anything else.
        init?(lastEventID: String) {
            let text = lastEventID.trimmingCharacters(in: .whitespaces).replacing("%2C", with: ",").replacing("%2c", with: ",")
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let seq = Int(parts[0]), seq >= 0 else { return nil }
            self.seq = seq
            if parts.count == 2 {
                guard let line = Int(parts[1]), line >= 0 else { return nil }
                self.line = line
            }
        }

        init(seq: Int, line: Int?) {
            self.seq = seq
            self.line = line
        }

        var id: String { line.map { "\(seq),\($0)" } ?? String(seq) }
    }

    /// Which frames a stream sends besides `summary` and `end`.
    struct Options: Sendable {
        /// Event frames (on by default).
        var events = true
    }

    /// Output chunks read at a time.
    static let outputChunksPerRead = 8

    let store: Store
    let frames: EventFrames
    let jobID: Int64
    var options = Options()

    func write(from start: Cursor, to writer: inout any ResponseBodyWriter) async throws {
        // Subscribe before the first read, so nothing stored in between is missed.
        let wakes = store.notifications.subscribe(to: [.job(jobID), .heartbeat])
        var iterator = wakes.makeAsyncIterator()
        var cursor = start
        var freshAsOf = ContinuousClock.now
        var sentSummary: ByteBuffer?
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        while true {
            do {
                let page = try await frames.page(of: jobID, after: cursor.seq, freshAsOf: freshAsOf)
                var bytes = ByteBuffer()
                if let last = page.lastSeq {
                    var seq = last - page.frames.count
                    for frame in page.frames {
                        seq += 1
                        if options.events { write(frame, id: Cursor(seq: seq, line: cursor.line), to: &bytes) }
                    }
                    cursor.seq = last
                    if !options.events { bytes.writeString("id: \(cursor.id)\n\n") }
                }
                if let summary = page.summary, summary != sentSummary {
                    bytes.writeImmutableBuffer(summary)
                    sentSummary = summary
                }
                if bytes.readableBytes > 0 { try await writer.write(bytes) }
                let wroteOutput = try await writeOutput(&cursor, to: &writer, all: page.endedJob != nil)
                if page.lastSeq != nil || wroteOutput { continue }
                if page.gone { return }
                if let job = page.endedJob {
                    try await writer.write(ByteBuffer(string: Self.endFrame(job)))
                    return
                }
            } catch  where Store.isUnavailable(error) {
                // The database is away: the stream stays open (its heartbeats go on) and reads
                // again when woken, at the latest when the store has reconnected and wakes everyone.
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

    /// Writes `output` frames for the lines stored after the cursor's (a few chunks, or
    /// `all` of them, a few at a time), moving it on; false when there were none.
    private func writeOutput(_ cursor: inout Cursor, to writer: inout any ResponseBodyWriter, all: Bool) async throws -> Bool {
        guard var line = cursor.line else { return false }
        var wrote = false
        repeat {
            let chunks = try await store.output.chunks(of: jobID, from: line, limit: Self.outputChunksPerRead)
            guard let last = chunks.last else { break }
            var bytes = ByteBuffer()
            for chunk in chunks {
                let text = chunk.lineTexts(from: line, to: chunk.endLine).joined()
                let data: JSONValue = .object([
                    "from": .number(Double(max(line, chunk.firstLine) + 1)), "to": .number(Double(chunk.endLine)), "text": .string(text),
                ])
                line = chunk.endLine
                cursor.line = line
                bytes.writeString("id: \(cursor.id)\nevent: output\ndata: \(data.jsonString())\n\n")
            }
            try await writer.write(bytes)
            wrote = true
            line = last.endLine
        } while all
        return wrote
    }

    private func write(_ frame: ByteBuffer, id: Cursor, to bytes: inout ByteBuffer) {
        bytes.writeString("id: \(id.id)\n")
        bytes.writeImmutableBuffer(frame)
    }

    static func frame(_ event: JobEvent) -> String {
        // JSON text never holds a raw newline, so one `data:` line carries it.
        "event: \(event.type.name)\ndata: \(EventResponse(event: event).json.jsonString())\n\n"
    }

    static func endFrame(_ job: Job) -> String {
        "event: end\ndata: \(Self.json(JobResponse(job)))\n\n"
    }

    /// A job's folded summary as its JSON shows it: the same `progress` and `hosts`.
    struct Summary: Encodable, Equatable {
        var progress: JobProgress
        var hosts: [String: HostCounts]

        init(_ job: Job) {
            self.init(job.summary, final: job.status.isFinal)
        }

        /// As a job's JSON shows `summary`: complete once the job has ended.
        init(_ summary: JobSummary, final: Bool) {
            var summary = summary
            if final { summary.finish() }
            progress = summary.progress
            hosts = summary.hosts
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
