import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// How soon someone watching sees a run begin: launch to the first task's start, as plain
/// `ansible-playbook` prints it (its first `TASK [` line), as Playhouse streams it (the
/// first `playbook_on_task_start` frame at an SSE client of the job), and as the
/// `playhouse launch --follow` client prints it (its first `TASK [` line), interleaved.
struct FirstTask {
    let bench: BenchContext
    let rounds: Int
    /// Rounds run first and not counted: the first launch pays for cold caches.
    let warmup = 1

    /// One run's times, in seconds from its launch.
    private struct Timing {
        var firstTask: Double
        var end: Double
    }

    func measure(into report: inout Report) async throws {
        var section = Report.Section(
            .firsttask,
            method: "Launch to the first task's start, median of \(rounds) rounds per way after \(warmup) warm-up round, "
                + "the three ways interleaved (each goes first in turn), on `firsttask.yml`. (a) Plain "
                + "`ansible-playbook`, its stdout on a pipe and `PYTHONUNBUFFERED=1` as Playhouse runs it (Ansible flushes "
                + "each line itself either way): from the spawn to the arrival of its first `TASK [` line. (b) Playhouse, "
                + "`serve --workers 2`, SQLite: from just before `POST /api/v1/jobs` is sent to the arrival of the first "
                + "`playbook_on_task_start` frame at an SSE client of the job's stream, opened once the POST is answered "
                + "(as the job page does). (c) The command-line client, `playhouse launch bench firsttask.yml -i one-host "
                + "--follow` against the same server, its stdout on a pipe: from its spawn to the arrival of its first "
                + "`TASK [` line (the process starting, the POST, the stream opened, the log frame printed). Whole run: to "
                + "(a) and (c) the process's exit with its output read, (b) the stream's `end` event.",
            header: [
                "playbook", "(a) first `TASK [` line", "(b) first `playbook_on_task_start`", "b − a", "b/a",
                "(c) client's first `TASK [` line", "c − a", "c/a", "(a) whole run", "(b) whole run", "(c) whole run", "b/a whole run",
            ])
        let (plain, playhouse, client) = try await BenchServer.with(
            bench, name: "firsttask", database: bench.scratch + "/firsttask.sqlite", workers: 2
        ) { server in
            var plain: [Timing] = []
            var playhouse: [Timing] = []
            var client: [Timing] = []
            for round in 0..<(warmup + rounds) {
                // Each way goes first in turn, so none always meets a machine the others warmed.
                var timings: [Int: Timing] = [:]
                for offset in 0..<3 {
                    let way = (round + offset) % 3
                    switch way {
                    case 0: timings[way] = try await self.plain()
                    case 1: timings[way] = try await self.playhouse(server)
                    default: timings[way] = try await self.client(server)
                    }
                }
                let (a, b, c) = (timings[0]!, timings[1]!, timings[2]!)
                let times = [a, b, c].map { Figure.ms($0.firstTask) }
                bench.log("first task round \(round + 1): (a) \(times[0]), (b) \(times[1]), (c) \(times[2])")
                if round >= warmup {
                    plain.append(a)
                    playhouse.append(b)
                    client.append(c)
                }
            }
            return (plain, playhouse, client)
        }
        let a = Stats.median(plain.map(\.firstTask))
        let b = Stats.median(playhouse.map(\.firstTask))
        let c = Stats.median(client.map(\.firstTask))
        let aEnd = Stats.median(plain.map(\.end))
        let bEnd = Stats.median(playhouse.map(\.end))
        let cEnd = Stats.median(client.map(\.end))
        section.rows.append([
            "3 `debug` tasks × 1 host, local", Figure.ms(a), Figure.ms(b), Figure.ms(b - a), Figure.ratio(b / a), Figure.ms(c),
            Figure.ms(c - a), Figure.ratio(c / a), Figure.s(aEnd), Figure.s(bEnd), Figure.s(cEnd), Figure.ratio(bEnd / aEnd),
        ])
        // The spread shows how much of b − a is noise on this machine.
        let paired = zip(plain, playhouse).map { $1.firstTask - $0.firstTask }
        section.notes = [
            "First task, fastest to slowest round: (a) \(Figure.ms(plain.map(\.firstTask).min()!)) to "
                + "\(Figure.ms(plain.map(\.firstTask).max()!)), (b) \(Figure.ms(playhouse.map(\.firstTask).min()!)) to "
                + "\(Figure.ms(playhouse.map(\.firstTask).max()!)).",
            "b − a within each round: median \(Figure.ms(Stats.median(paired))), from \(Figure.ms(paired.min()!)) "
                + "to \(Figure.ms(paired.max()!)).",
            "c − b, what the client adds to what an SSE reader of the same server sees (its own start, the POST, "
                + "reading the log frames rather than the event frames): median \(Figure.ms(c - b)).",
        ]
        report.sections.append(section)
    }

    /// Plain `ansible-playbook`, read to the end of its output (a reader that stops can
    /// hang Ansible), noting when its first `TASK [` line came.
    private func plain() async throws -> Timing {
        let path = bench.ansibleBin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try await spawnToFirstTask(
            "plain ansible-playbook firsttask.yml", bench.ansibleBin + "/ansible-playbook", ["-i", "one-host", "firsttask.yml"],
            environment: ["PATH": path, "PYTHONUNBUFFERED": "1"], workingDirectory: bench.project)
    }

    private func playhouse(_ server: BenchServer) async throws -> Timing {
        let start = Stats.now()
        let id = try await server.launch("firsttask.yml", inventory: "one-host")
        let client = SSEClient(server: server, jobID: id, watching: "playbook_on_task_start")
        client.start()
        let result = await client.join()
        let end = Stats.now()
        if let error = result.error { throw BenchError("following job \(id): \(error)") }
        let job = try await server.job(id)
        guard job["status"]?.stringValue == "successful", let firstTask = result.watchedArrival else {
            throw BenchError(
                "Playhouse job \(id) of firsttask.yml ended \(job.jsonString()), first task frame seen: \(result.watchedArrival != nil)")
        }
        return Timing(firstTask: firstTask - start, end: end - start)
    }

    /// The command-line client launching and following the run, read to its exit, noting
    /// when its first `TASK [` line came.
    private func client(_ server: BenchServer) async throws -> Timing {
        try await spawnToFirstTask(
            "playhouse launch --follow of firsttask.yml", PlayhouseProcess.binary,
            ["launch", "bench", "firsttask.yml", "-i", "one-host", "--follow"],
            environment: ["PLAYHOUSE_URL": "http://127.0.0.1:\(server.port)", "PLAYHOUSE_TOKEN": server.token])
    }

    /// Runs `executable` to its exit, its output read to the end, timing from the spawn
    /// its first `TASK [` line and its exit; `what` names it in a failure.
    private func spawnToFirstTask(
        _ what: String, _ executable: String, _ arguments: [String], environment: [Environment.Key: String?],
        workingDirectory: String? = nil
    ) async throws -> Timing {
        let start = Stats.now()
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inherit.updating(environment),
            workingDirectory: workingDirectory.map { FilePath($0) }, input: .none, output: .sequence, error: .discarded
        ) { execution in
            var firstTask: Double?
            for try await line in execution.standardOutput.strings() where firstTask == nil && line.hasPrefix("TASK [") {
                firstTask = Stats.now()
            }
            return firstTask
        }
        let end = Stats.now()
        guard result.terminationStatus.isSuccess, let firstTask = result.closureResult else {
            throw BenchError("\(what): \(result.terminationStatus), first task line seen: \(result.closureResult != nil)")
        }
        return Timing(firstTask: firstTask - start, end: end - start)
    }
}
