import CompressNIO
import Foundation
import NIOCore
import SQLKit

/// A job's log: Ansible's stdout and stderr as printed, stored in chunks of whole lines,
/// so any range of lines is one or two chunk reads away however long the log grows.
public struct OutputRepository: Repository {
    let store: Store

    /// Appends `chunk` (its text ends with a newline), counts its lines on the job, then
    /// wakes the job's subscribers. A chunk whose number is stored already is passed over,
    /// so one sent again after a lost answer is stored once.
    public func append(_ chunk: OutputChunk, to jobID: Int64) async throws {
        // No transaction of its own (the recorder writes it in one with the job's tasks and
        // progress): a reader takes the count of lines from the chunks themselves.
        try await sql.raw(
            """
            INSERT INTO job_output (job_id, chunk, first_line, lines, text)
            VALUES (\(bind: jobID), \(bind: chunk.number), \(bind: chunk.firstLine), \(bind: chunk.lines), \(bind: chunk.text))
            ON CONFLICT (job_id, chunk) DO NOTHING
            """
        ).run()
        try await sql.raw("UPDATE jobs SET output_lines = \(bind: chunk.endLine) WHERE id = \(bind: jobID)").run()
        await store.announce(.job(jobID))
    }

    /// How many lines the job's log holds so far.
    public func lineCount(of jobID: Int64) async throws -> Int {
        try await end(of: jobID).lines
    }

    /// Where the job's log ends: its last chunk's number and its count of lines (0 and 0
    /// for none), for a run that goes on with the log of a job given back to the queue.
    public func end(of jobID: Int64) async throws -> (chunk: Int, lines: Int) {
        guard
            let row = try await sql.raw(
                """
                SELECT chunk, first_line + lines AS total FROM job_output WHERE job_id = \(bind: jobID)
                ORDER BY chunk DESC LIMIT 1
                """
            ).first()
        else { return (0, 0) }
        return (try row.decode(column: "chunk", as: Int.self), try row.decode(column: "total", as: Int.self))
    }

    /// At most `limit` chunks in order, the first of them the one that holds line `line`
    /// (0-based): what a reader of the log from that line needs.
    public func chunks(of jobID: Int64, from line: Int, limit: Int) async throws -> [OutputChunk] {
        try await sql.raw(
            """
            SELECT chunk, first_line, lines, text, packed FROM job_output
            WHERE job_id = \(bind: jobID) AND first_line + lines > \(bind: line)
            ORDER BY first_line LIMIT \(bind: limit)
            """
        ).all(as: OutputChunk.self)
    }

    /// Hands `body` the job's whole log as stored now, `batch` chunks at a time, in order:
    /// how a download, a search or a compaction reads a log of any size.
    public func forEachBatch(of jobID: Int64, batch: Int = 32, _ body: ([OutputChunk]) async throws -> Void) async throws {
        var line = 0
        while true {
            let chunks = try await chunks(of: jobID, from: line, limit: batch)
            guard let last = chunks.last else { return }
            try await body(chunks)
            line = last.endLine
        }
    }

    /// Lines `range` (0-based, clamped to the log) and no more than about `maxBytes` of
    /// them, never fewer than one line when the range starts inside the log.
    public func lines(of jobID: Int64, _ range: Range<Int>, maxBytes: Int) async throws -> OutputLines {
        let total = try await lineCount(of: jobID)
        let wanted = min(range.lowerBound, total)..<min(range.upperBound, total)
        var result = OutputLines(range: wanted.lowerBound..<wanted.lowerBound, total: total)
        var line = wanted.lowerBound
        while line < wanted.upperBound {
            let start = line
            for chunk in try await chunks(of: jobID, from: line, limit: 8) {
                for text in chunk.lineTexts(from: line, to: wanted.upperBound) {
                    if !result.text.isEmpty, result.text.utf8.count + text.utf8.count > maxBytes { return result }
                    result.text += text
                    line += 1
                    result.range = wanted.lowerBound..<line
                }
                if line >= wanted.upperBound { break }
            }
            // A log cut short under the reader (a compacted job, say) ends the read.
            if line == start { break }
        }
        return result
    }
}

/// A piece of a job's log: whole lines, numbered from ``firstLine``.
public struct OutputChunk: Sendable, Equatable {
    /// The chunk's place in the job's log: 1, 2, …
    public var number: Int
    /// The 0-based number of its first line.
    public var firstLine: Int
    /// How many lines it holds (its newlines).
    public var lines: Int
    public var text: String

    public init(number: Int, firstLine: Int, text: String) {
        self.number = number
        self.firstLine = firstLine
        self.lines = text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        self.text = text
    }

    /// The number of the line after its last.
    public var endLine: Int { firstLine + lines }

    /// Its lines numbered `from..<to` (0-based, in the whole log), each with its newline.
    public func lineTexts(from: Int, to: Int) -> [Substring] {
        guard from < endLine, to > firstLine else { return [] }
        var result: [Substring] = []
        var number = firstLine
        var start = text.startIndex
        var index = text.utf8.startIndex
        while index < text.utf8.endIndex, number < to {
            if text.utf8[index] == UInt8(ascii: "\n") {
                let next = text.utf8.index(after: index)
                if number >= from { result.append(text[start..<next]) }
                number += 1
                start = next
            }
            index = text.utf8.index(after: index)
        }
        return result
    }
}

extension OutputChunk: RowDecodable {
    init(row: Row) throws {
        number = try row["chunk"]
        firstLine = try row["first_line"]
        lines = try row["lines"]
        let packed: Data? = try row["packed"]
        text = try packed.map(Self.inflate) ?? row["text"]
    }

    /// The text of a compacted chunk.
    static func inflate(_ packed: Data) throws -> String {
        var buffer = ByteBuffer(bytes: packed)
        let text = try buffer.decompress(with: .deflate())
        return String(buffer: text)
    }

    /// Its text deflated, as a compacted chunk keeps it.
    func deflated() throws -> Data {
        var buffer = ByteBuffer(string: text)
        let packed = try buffer.compress(with: .deflate())
        return Data(packed.readableBytesView)
    }
}

extension OutputRepository {
    /// The most text one compacted chunk holds, in whole lines.
    static let compactedChunkBytes = 1 << 20

    /// Rewrites the job's log as deflated chunks of about 1 MiB of whole lines; returns the
    /// bytes of text before and after.
    func compact(_ jobID: Int64) async throws -> (before: Int, after: Int) {
        var pieces: [(chunk: OutputChunk, packed: Data)] = []
        var pending: OutputChunk? = nil
        var before = 0
        func close() throws {
            guard let piece = pending else { return }
            pieces.append((piece, try piece.deflated()))
            pending = nil
        }
        try await forEachBatch(of: jobID, batch: 64) { chunks in
            for chunk in chunks {
                before += chunk.text.utf8.count
                if var open = pending {
                    open.text += chunk.text
                    open.lines += chunk.lines
                    pending = open
                } else {
                    pending = OutputChunk(number: pieces.count + 1, firstLine: chunk.firstLine, text: chunk.text)
                }
                if let open = pending, open.text.utf8.count >= Self.compactedChunkBytes { try close() }
            }
        }
        try close()
        try await sql.raw("DELETE FROM job_output WHERE job_id = \(bind: jobID)").run()
        for (chunk, packed) in pieces {
            try await sql.raw(
                """
                INSERT INTO job_output (job_id, chunk, first_line, lines, text, packed)
                VALUES (\(bind: jobID), \(bind: chunk.number), \(bind: chunk.firstLine), \(bind: chunk.lines), '', \(bind: packed))
                """
            ).run()
        }
        return (before, pieces.reduce(0) { $0 + $1.packed.count })
    }
}

/// Lines of a job's log, and how many it holds in all.
public struct OutputLines: Sendable, Equatable {
    /// The 0-based numbers of the lines in ``text``.
    public var range: Range<Int>
    /// How many lines the log holds.
    public var total: Int
    public var text = ""
}
