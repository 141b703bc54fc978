import Foundation
import PlayhouseTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A Server-Sent Events client of one job's stream, on a thread of its own: it records
/// every seq it receives and, for each event, the lag from the callback's timestamp to
/// the moment its bytes arrived here; and, if asked, when the first frame of one event
/// type arrived.
final class SSEClient: @unchecked Sendable {
    /// What one client saw; read after ``join()``.
    struct Result: Sendable {
        var seqs: [Int] = []
        /// Seconds from the event's `time` to its arrival, per event.
        var lags: [Double] = []
        /// When (seconds since 1970) the first frame of the watched event type arrived.
        var watchedArrival: Double?
        var ended = false
        var error: String?

        /// Every seq from 1 to `last`, each once, in order.
        func isComplete(last: Int) -> Bool {
            seqs.count == last && seqs.enumerated().allSatisfy { $0.offset + 1 == $0.element }
        }
    }

    private let port: Int
    private let token: String
    private let jobID: Int64
    private let watching: String?
    private let done = DispatchSemaphore(value: 0)
    private var result = Result()

    /// `watching`: an event type (`playbook_on_task_start`) whose first frame's arrival
    /// is recorded.
    init(server: BenchServer, jobID: Int64, watching: String? = nil) {
        port = server.port
        token = server.token
        self.jobID = jobID
        self.watching = watching
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
        let request = Array(
            ("GET /api/v1/jobs/\(jobID)/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                + "Authorization: Bearer \(token)\r\n\r\n").utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else {
            throw BenchError("could not send the stream request for job \(jobID)")
        }
        var scanner = SSELineScanner(watching: watching)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        while !result.ended {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw BenchError("job \(jobID)'s stream closed before its end event") }
            let arrival = Stats.now()
            scanner.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { field in
                switch field {
                case .id(let seq): result.seqs.append(seq)
                case .time(let time): result.lags.append(arrival - time)
                case .watched: if result.watchedArrival == nil { result.watchedArrival = arrival }
                case .end: result.ended = true
                }
            }
        }
    }
}

/// Reads a job's event stream line by line as the socket delivers it, and reports the
/// fields the benchmark needs: each frame's `id`, its event's `time`, the `event:` line of
/// a watched type, and `event: end`.
///
/// The chunked transfer encoding is not decoded: Playhouse writes whole frames per write,
/// so a chunk's size line is a line of its own and matches none of the fields. Scanning
/// is plain `memchr` over the received bytes, so 50 clients cost the machine little.
struct SSELineScanner {
    enum Field {
        case id(Int)
        case time(Double)
        case watched
        case end
    }

    private var partial: [UInt8] = []
    private let watchedLine: [UInt8]?
    private var cachedDay: (key: Int, midnight: Double) = (0, 0)

    init(watching eventType: String?) {
        watchedLine = eventType.map { Array("event: \($0)".utf8) }
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ field: (Field) -> Void) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count {
            guard let newline = memchr(base + start, 10, bytes.count - start) else {
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...]))
                return
            }
            let end = base.distance(to: UnsafeRawPointer(newline))
            if partial.isEmpty {
                scan(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), field)
            } else {
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                let line = partial
                line.withUnsafeBytes { scan($0, field) }
                partial.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
    }

    private static let idPrefix = Array("id: ".utf8)
    private static let dataPrefix = Array("data: ".utf8)
    private static let endLine = Array("event: end".utf8)
    private static let timeKey = Array("\"time\":\"".utf8)

    private mutating func scan(_ line: UnsafeRawBufferPointer, _ field: (Field) -> Void) {
        if Self.starts(line, Self.idPrefix) {
            var seq = 0
            for byte in line.dropFirst(Self.idPrefix.count) where byte >= 48 && byte <= 57 { seq = seq * 10 + Int(byte - 48) }
            field(.id(seq))
        } else if Self.starts(line, Self.dataPrefix) {
            // `time` is the second-to-last key of an event (keys are sorted): search from the end.
            let key = Self.timeKey
            var index = line.count - key.count
            while index >= 0 {
                if line[index] == key[0], (0..<key.count).allSatisfy({ line[index + $0] == key[$0] }) { break }
                index -= 1
            }
            let start = index + key.count
            if index >= 0, start + 24 <= line.count, let time = seconds(UnsafeRawBufferPointer(rebasing: line[start..<start + 24])) {
                field(.time(time))
            }
        } else if let watched = watchedLine, line.count == watched.count, Self.starts(line, watched) {
            field(.watched)
        } else if Self.starts(line, Self.endLine) {
            field(.end)
        }
    }

    private static func starts(_ line: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        line.count >= prefix.count && zip(line, prefix).allSatisfy { $0 == $1 }
    }

    /// `2026-11-25T12:34:56.789Z` as seconds since 1970; the day is converted once.
    private mutating func seconds(_ text: UnsafeRawBufferPointer) -> Double? {
        guard text[10] == UInt8(ascii: "T"), text[23] == UInt8(ascii: "Z") else { return nil }
        func number(_ start: Int, _ length: Int) -> Int {
            (start..<start + length).reduce(0) { $0 * 10 + Int(text[$1]) - 48 }
        }
        let day = number(0, 4) * 10_000 + number(5, 2) * 100 + number(8, 2)
        if day != cachedDay.key {
            var parts = tm()
            parts.tm_year = Int32(number(0, 4) - 1900)
            parts.tm_mon = Int32(number(5, 2) - 1)
            parts.tm_mday = Int32(number(8, 2))
            cachedDay = (day, Double(timegm(&parts)))
        }
        return cachedDay.midnight + Double(number(11, 2) * 3600 + number(14, 2) * 60 + number(17, 2)) + Double(number(20, 3)) / 1000
    }
}
