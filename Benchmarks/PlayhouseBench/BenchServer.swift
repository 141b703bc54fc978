import Foundation
import PlayhouseCore
import PlayhouseTestSupport

/// A `playhouse` process (release build) under measurement, and the API calls the
/// benchmarks make to it.
struct BenchServer {
    let process: PlayhouseProcess
    let port: Int
    /// An API token of `admin`, for load tools that send their own requests (wrk).
    let token: String

    /// Starts `playhouse serve` and waits until it answers.
    static func serve(
        _ bench: BenchContext, name: String, database: String, workers: Int, ansibleBin: String? = nil
    ) async throws -> BenchServer {
        let port = try Loopback.freePort()
        let process = try PlayhouseProcess.serve(
            port: port, database: database, projects: bench.projects, runs: bench.scratch + "/runs-\(name)",
            log: bench.scratch + "/\(name).log", extra: ["--workers", "\(workers)", "--log-level", "warning"],
            ansibleBin: ansibleBin ?? bench.ansibleBin)
        let token = try await process.waitUntilReady()
        return BenchServer(process: process, port: port, token: token)
    }

    /// Starts a server, hands it to `body`, and stops it however `body` ends.
    static func with<T>(
        _ bench: BenchContext, name: String, database: String, workers: Int, ansibleBin: String? = nil,
        _ body: (BenchServer) async throws -> T
    ) async throws -> T {
        let server = try await serve(bench, name: name, database: database, workers: workers, ansibleBin: ansibleBin)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// A fresh PostgreSQL with `playhouse serve --workers 0` and one `playhouse worker
    /// --capacity 2` on it, handed to `body` as the server; all stopped however `body` ends.
    static func withFleet<T>(
        _ bench: BenchContext, name: String, ansibleBin: String, _ body: (BenchServer, TestPostgres.Server) async throws -> T
    ) async throws -> T {
        try await TestPostgres.withServer { database in
            let url = database.url
            return try await with(bench, name: "\(name)-web", database: url, workers: 0) { server in
                let worker = try PlayhouseProcess(
                    [
                        "worker", "--database", url, "--projects", bench.projects, "--runs-dir", bench.scratch + "/runs-\(name)-worker",
                        "--capacity", "2", "--name", "bench-worker", "--log-level", "warning",
                    ],
                    log: bench.scratch + "/\(name)-worker.log", ansibleBin: ansibleBin)
                do {
                    let result = try await body(server, database)
                    await worker.stop()
                    return result
                } catch {
                    await worker.stop()
                    throw error
                }
            }
        }
    }

    /// Launches a job of the `bench` project and returns its id.
    func launch(_ playbook: String, inventory: String, env: [String: String] = [:]) async throws -> Int64 {
        let body = JSONValue.object([
            "project": .string("bench"), "playbook": .string(playbook), "inventory": .string(inventory),
            "env": .object(env.mapValues { .string($0) }),
        ]).jsonString()
        let (status, json) = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs", body: body)
        guard status == 202, let id = json["id"]?.intValue else {
            throw BenchError("launch of \(playbook) failed: \(status) \(json.jsonString())")
        }
        return Int64(id)
    }

    func job(_ id: Int64) async throws -> JSONValue {
        let (status, json) = try await RawHTTP.request(port: port, "GET", "/api/v1/jobs/\(id)")
        guard status == 200 else { throw BenchError("GET job \(id) answered \(status)") }
        return json
    }

    /// The newest jobs (first page of the job list).
    func jobs() async throws -> [JSONValue] {
        let (status, json) = try await RawHTTP.request(port: port, "GET", "/api/v1/jobs")
        guard status == 200, case .array(let jobs)? = json["jobs"] else { throw BenchError("GET /api/v1/jobs answered \(status)") }
        return jobs
    }

    func cancel(_ id: Int64) async throws {
        let (status, json) = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs/\(id)/cancel")
        guard status == 202 || status == 200 || status == 409 else {
            throw BenchError("cancel of job \(id): \(status) \(json.jsonString())")
        }
    }

    /// Polls until the job has a final status and returns the job.
    func waitFinished(_ id: Int64, poll: Duration = .milliseconds(50)) async throws -> JSONValue {
        while true {
            let job = try await job(id)
            if let status = job["status"]?.stringValue, !["queued", "running"].contains(status) { return job }
            try await Task.sleep(for: poll)
        }
    }

    /// Resident memory of the server process, in bytes.
    var residentBytes: Int { Self.residentBytes(of: process.process.processIdentifier) }

    /// The CPU seconds (user + system) the server's own threads have used so far.
    var cpuSeconds: Double {
        let stat = (try? String(contentsOfFile: "/proc/\(process.process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        // After the command name in parentheses: state is field 3, utime 14 and stime 15.
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func residentBytes(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kib * 1024
    }

    func stop() async {
        await process.stop()
    }
}
