import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// A job's log: by line range, whole as a download, and searched.
extension JobRoutes {
    /// The most lines, and about the most bytes, one range answer holds; the answer's
    /// `X-Line-Range` says where it stopped.
    static let linesPerRange = 10_000
    static let bytesPerRange = 4 << 20

    /// `?from=&to=` (1-based, inclusive) or `Range: lines=A-B|A-|-N`: those lines; neither:
    /// the whole log, streamed as a download. `ansi=0` strips the colour codes.
    @Sendable func stdout(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let job = try await job(context)
        let plain = request.uri.queryParameters["ansi"] == "0"
        let query = request.uri.queryParameters
        if query["from"] != nil || query["to"] != nil {
            let from = try Self.integer(request, "from", default: 1, range: 1...Int(Int32.max))
            let to = try Self.integer(request, "to", default: from + Self.linesPerRange - 1, range: 1...Int(Int32.max))
            guard to >= from else { throw APIError(.badRequest, "to (\(to)) is before from (\(from))", detail: "ask for lines from..to") }
            return try await lines(of: job, (from - 1)..<to, plain: plain, partial: false)
        }
        if let header = request.headers[.range] {
            guard let range = try LineRange(header: header) else { return download(job, plain: plain) }
            let total = try await dependencies.store.output.lineCount(of: job.id)
            guard let lines = range.lines(total: total) else {
                var refusal = Response(status: .rangeNotSatisfiable, headers: [.contentRange: "lines */\(total)"])
                refusal.headers[.init("X-Total-Lines")!] = String(total)
                return refusal
            }
            return try await self.lines(of: job, lines, plain: plain, partial: true)
        }
        return download(job, plain: plain)
    }

    private func lines(of job: Job, _ range: Range<Int>, plain: Bool, partial: Bool) async throws -> Response {
        let clamped = range.lowerBound..<min(range.upperBound, range.lowerBound + Self.linesPerRange)
        let found = try await dependencies.store.output.lines(of: job.id, clamped, maxBytes: Self.bytesPerRange)
        var headers: HTTPFields = [
            .contentType: "text/plain; charset=utf-8", .cacheControl: "no-store", .init("X-Total-Lines")!: String(found.total),
        ]
        if !found.range.isEmpty {
            let shown = "\(found.range.lowerBound + 1)-\(found.range.upperBound)"
            headers[.init("X-Line-Range")!] = shown
            if partial { headers[.contentRange] = "lines \(shown)/\(found.total)" }
        }
        let text = plain ? ANSI.strip(found.text) : found.text
        return Response(status: partial ? .partialContent : .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The whole log as stored so far, read and sent a few chunks at a time.
    private func download(_ job: Job, plain: Bool) -> Response {
        let store = dependencies.store
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/plain; charset=utf-8", .acceptRanges: "lines",
                .contentDisposition: #"attachment; filename="job-\#(job.id)\#(plain ? "" : "-ansi").log""#,
            ],
            body: ResponseBody { writer in
                try await store.output.forEachBatch(of: job.id) { chunks in
                    var buffer = ByteBuffer()
                    for chunk in chunks { buffer.writeString(plain ? ANSI.strip(chunk.text) : chunk.text) }
                    try await writer.write(buffer)
                }
                try await writer.finish(nil)
            })
    }

    /// `?q=TEXT` or `?failures=true`: the matching lines of the log (and, for text, the
    /// events whose task, host or message holds it), with their counts; `after` and `limit`
    /// page the hits.
    @Sendable func search(_ request: Request, context: PlayhouseContext) async throws -> LogSearchResponse {
        let job = try await job(context)
        let query = request.uri.queryParameters
        let text = query["q"].map(String.init) ?? ""
        let failures = try Self.flag(request, "failures", default: false)
        guard failures != !text.isEmpty else {
            throw APIError(
                .badRequest, "say what to search for", detail: "send q=TEXT, or failures=true for the lines that report failures")
        }
        guard text.count <= 200 else { throw APIError(.badRequest, "q is too long", detail: "search for at most 200 characters") }
        let after = try Self.integer(request, "after", default: 0, range: 0...Int(Int32.max))
        let limit = try Self.integer(request, "limit", default: 100, range: 1...1000)
        let identity = try context.requireUser()
        return try await dependencies.work.withPermit(user: identity.user.name, kind: .logSearch) {
            let search = LogSearch(failures ? .failures : .text(text))
            var answer = LogSearchResponse(lines: .init())
            try await dependencies.store.output.forEachBatch(of: job.id) { chunks in
                for chunk in chunks {
                    search.scan(chunk, after: after, limit: limit, total: &answer.lines.total, hits: &answer.lines.hits)
                }
            }
            if !failures {
                let found = try await dependencies.store.events.search(of: job.id, for: text, limit: limit)
                answer.events = .init(total: found.total, hits: found.events.map(EventResponse.init))
            }
            return answer
        }
    }
}

/// What a search of a job found: its matching lines and events, each with how many there are.
struct LogSearchResponse: ResponseEncodable, Sendable {
    struct Lines: Encodable, Sendable {
        var total = 0
        var hits: [LogSearch.Hit] = []
    }

    struct Events: Encodable, Sendable {
        var total: Int
        var hits: [EventResponse]
    }

    var lines: Lines
    @ExplicitNull var events: Events?
}

/// A `Range: lines=…` header: `A-B` and `A-` (1-based, inclusive) or `-N` (the last N).
struct LineRange: Equatable {
    var first: Int?
    var last: Int?

    /// Nil for a range in another unit (`bytes`), which the log ignores: the answer is the
    /// whole log, as RFC 9110 allows. Throws for a `lines` range it cannot read.
    init?(header: String) throws {
        let value = header.trimmingCharacters(in: .whitespaces)
        guard value.lowercased().hasPrefix("lines=") else { return nil }
        let spec = value.dropFirst("lines=".count)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let bad = APIError(
            .badRequest, "cannot read the range \"\(value.prefix(60))\"", detail: "send Range: lines=A-B, lines=A- or lines=-N")
        guard parts.count == 2, !spec.contains(",") else { throw bad }
        func number(_ text: Substring) throws -> Int? {
            guard !text.isEmpty else { return nil }
            guard let number = Int(text), number >= 1, number <= Int(Int32.max) else { throw bad }
            return number
        }
        first = try number(parts[0])
        last = try number(parts[1])
        if first == nil && last == nil { throw bad }
        if let first, let last, last < first { throw bad }
    }

    /// The 0-based lines it names in a log of `total`; nil when it names none.
    func lines(total: Int) -> Range<Int>? {
        switch (first, last) {
        case (let first?, let last):
            guard first <= total else { return nil }
            return (first - 1)..<min(last ?? total, total)
        case (nil, let count?):
            guard total > 0 else { return nil }
            return max(0, total - count)..<total
        case (nil, nil):
            return nil
        }
    }
}
