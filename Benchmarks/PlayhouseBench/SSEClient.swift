import Foundation
import PlayhouseTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A Server-Sent Events client of one job's stream, on a thread of its own: it records
/// every seq it receives and, for each event, the lag from the callback's timestamp to
/// the moment its bytes arrived here.
final class SSEClient: @unchecked Sendable {
    /// What one client saw; read after ``join()``.
    struct Result: Sendable {
        var seqs: [Int] = []
        /// Seconds from the event's `time` to its arrival, per event.
        var lags: [Double] = []
        var ended = false
        var error: String?

        /// Every seq from 1 to `last`, each once, in order.
        func isComplete(last: Int) -> Bool {
            seqs.count == last && seqs.enumerated().allSatisfy { $0.offset + 1 == $0.element }
        }
    }

    private let port: Int
    private let jobID: Int64
    private let done = DispatchSemaphore(value: 0)
    private var result = Result()

    init(port: Int, jobID: Int64) {
        self.port = port
        self.jobID = jobID
    }

    func start() {
        let thread = Thread { [self] in
            do { try follow() } catch { result.error = "\(error)" }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Waits for the stream's end (or failure) and returns what was received.
    func join() async -> Result {
        await withCheckedContinuation { continuation in
            Thread { [self] in
                done.wait()
                continuation.resume(returning: result)
            }.start()
        }
    }

    private func follow() throws {
        let fd = try Loopback.connect(port: port, timeout: 600)
        defer { close(fd) }
        let request = Array("GET /api/v1/jobs/\(jobID)/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else {
            throw BenchError("could not send the stream request for job \(jobID)")
        }
        var parser = ChunkedSSEParser()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !result.ended {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw BenchError("job \(jobID)'s stream closed before its end event") }
            let arrival = Stats.now()
            parser.feed(buffer[0..<count]) { frame in
                if frame.isEnd {
                    result.ended = true
                } else if let seq = frame.seq {
                    result.seqs.append(seq)
                    if let time = frame.time { result.lags.append(arrival - time) }
                }
            }
        }
    }
}

/// One SSE frame's fields that the benchmark reads.
struct SSEFrame {
    var seq: Int?
    var time: Double?
    var isEnd = false
}

/// Reads an HTTP/1.1 chunked response carrying Server-Sent Events, in whatever pieces the
/// socket delivers, and calls back once per complete frame.
struct ChunkedSSEParser {
    private var raw: [UInt8] = []
    private var rawStart = 0
    private var payload: [UInt8] = []
    private var headersDone = false
    /// Bytes still to copy from the current chunk, plus its trailing CRLF.
    private var chunkLeft = 0

    mutating func feed(_ bytes: ArraySlice<UInt8>, frame: (SSEFrame) -> Void) {
        raw.append(contentsOf: bytes)
        if !headersDone {
            guard let end = raw.firstRange(of: [13, 10, 13, 10]) else { return }
            rawStart = end.upperBound
            headersDone = true
        }
        while rawStart < raw.count {
            if chunkLeft > 0 {
                let take = min(chunkLeft, raw.count - rawStart)
                // The last two bytes of a chunk are its CRLF, not payload.
                let dataEnd = min(rawStart + take, rawStart + max(0, chunkLeft - 2))
                payload.append(contentsOf: raw[rawStart..<dataEnd])
                rawStart += take
                chunkLeft -= take
                continue
            }
            guard let lineEnd = raw[rawStart...].firstIndex(of: 10) else { break }
            let sizeText = String(decoding: raw[rawStart..<lineEnd], as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
            rawStart = lineEnd + 1
            guard let size = Int(sizeText, radix: 16) else { continue }
            chunkLeft = size + 2
        }
        if rawStart > 1 << 16 {
            raw.removeFirst(rawStart)
            rawStart = 0
        }
        var consumed = 0
        while let end = payload[consumed...].firstRange(of: [10, 10]) {
            frame(Self.parse(payload[consumed..<end.lowerBound]))
            consumed = end.upperBound
        }
        if consumed > 0 { payload.removeFirst(consumed) }
    }

    private static let idPrefix = Array("id: ".utf8)
    private static let endLine = Array("event: end".utf8)
    private static let timeKey = Array("\"time\":\"".utf8)

    static func parse(_ text: ArraySlice<UInt8>) -> SSEFrame {
        var frame = SSEFrame()
        if text.starts(with: idPrefix) {
            let digits = text.dropFirst(idPrefix.count).prefix { $0 >= 48 && $0 <= 57 }
            frame.seq = Int(String(decoding: digits, as: UTF8.self))
        }
        if text.starts(with: endLine) { frame.isEnd = true }
        if let key = text.firstRange(of: timeKey) {
            frame.time = isoSeconds(text[key.upperBound...].prefix(24))
        }
        return frame
    }

    /// `2026-11-25T12:34:56.789Z` as seconds since 1970.
    static func isoSeconds(_ text: ArraySlice<UInt8>) -> Double? {
        let digits = Array(text)
        guard digits.count == 24 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int {
            digits[start..<start + length].reduce(0) { $0 * 10 + Int($1) - 48 }
        }
        var parts = tm()
        parts.tm_year = Int32(number(0, 4) - 1900)
        parts.tm_mon = Int32(number(5, 2) - 1)
        parts.tm_mday = Int32(number(8, 2))
        parts.tm_hour = Int32(number(11, 2))
        parts.tm_min = Int32(number(14, 2))
        parts.tm_sec = Int32(number(17, 2))
        return Double(timegm(&parts)) + Double(number(20, 3)) / 1000
    }
}

/// A benchmark that could not run; the message says why.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
