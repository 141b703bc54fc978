import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// `kill -9` of the process that runs a job, at each step of the job's life, with the real
/// `playhouse` binary, real PostgreSQL, a real SSH host (so a run has an `ssh-agent`, `ssh`
/// clients, a ControlPersist master and a remote command) and real Ansible. Whatever the
/// step, once the killed process is back: no job is stuck (every job ends, within a
/// bound), none is lost (every launched job is there and ended), none ran twice (each run
/// appends a line to a file named for its job: at most one line, and an interrupted job
/// is relaunched as a new job that runs once) and nothing of the killed runs is left (no
/// process carrying their `PLAYHOUSE_JOB` tag, no process naming their run directory or
/// their files, no run directory).
///
/// On PostgreSQL a worker `w2` runs a job of its own all along, in the same runs directory
/// (as every process started from one folder with the default `var/runs` does): the
/// restart of the killed process must end the runs it left, and only those.
///
/// Each step is held by a gate file rather than a fixed sleep: a run waits there while the
/// gate exists, so the test kills at a step it has seen, and the jobs relaunched once the
/// gate is gone run straight through.
@Suite(.serialized) struct KillMatrixTests {
    /// Where a job is when its process is killed.
    enum Step: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// Waiting for the only slot, behind a job that runs.
        case queued
        /// Claimed, `ansible-playbook` started and reading its inventory: no task yet.
        case claimed
        /// In the middle of a task.
        case running
        /// After the last task, in the final handler.
        case finishing

        var testDescription: String { rawValue }
    }

    /// Which process is killed.
    enum Victim: String, Sendable {
        /// `playhouse serve` on SQLite, running jobs itself.
        case serveOnSQLite
        /// `playhouse worker` `w1` on PostgreSQL, beside `playhouse serve --workers 0`.
        case workerOnPostgres
        /// `playhouse serve` on PostgreSQL, running jobs itself.
        case serveOnPostgres
    }

    /// Seconds without a heartbeat before a worker's jobs are lost: short, so the test
    /// waits little, and as long as the fleet tests use, so a busy machine loses no job
    /// whose worker is alive.
    static let lease = 3

    @Test(arguments: Step.allCases) func killingServeOnSQLiteLosesNoJobAndLeavesNothing(at step: Step) async throws {
        try await withSSHTestHosts(count: 1) { hosts in
            try await Rig(victim: .serveOnSQLite, hosts: hosts, database: nil).play(step)
        }
    }

    @Test(arguments: Step.allCases) func killingAWorkerOnPostgreSQLLosesNoJobAndLeavesNothing(at step: Step) async throws {
        try await withSSHTestHosts(count: 1) { hosts in
            try await TestPostgres.with { url in
                try await Rig(victim: .workerOnPostgres, hosts: hosts, database: url).play(step)
            }
        }
    }

    @Test(arguments: Step.allCases) func killingServeOnPostgreSQLLosesNoJobAndLeavesNothing(at step: Step) async throws {
        try await withSSHTestHosts(count: 1) { hosts in
            try await TestPostgres.with { url in
                try await Rig(victim: .serveOnPostgres, hosts: hosts, database: url).play(step)
            }
        }
    }

    /// The processes, files and folders of one cell of the matrix.
    final class Rig {
        let victim: Victim
        let scratch: String
        let projects: String
        /// Where runs leave their traces: `ID.runs` (a line per run) and `ID.STEP` markers.
        let marks: String
        /// While this file exists, a run waits at the step it was launched to stop at.
        let gate: String
        let database: String
        /// The run directories of every process.
        let runs: String
        let port: Int
        let sshUser: String
        let sshKey: String
        var web: PlayhouseProcess?
        var workers: [String: PlayhouseProcess] = [:]

        init(victim: Victim, hosts: SSHTestHosts, database: String?) throws {
            self.victim = victim
            scratch = try TestPaths.scratch("kill-\(victim.rawValue)")
            marks = scratch + "/marks"
            gate = marks + "/gate"
            // The remote tasks run as the SSH test user, on this machine: they write here.
            try FileManager.default.createDirectory(atPath: marks, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: marks)
            try "".write(toFile: gate, atomically: false, encoding: .utf8)
            self.database = database ?? scratch + "/playhouse.sqlite"
            runs = scratch + "/runs"
            port = try Loopback.freePort()
            sshUser = hosts.user
            sshKey = try String(contentsOfFile: hosts.privateKeyPath, encoding: .utf8)
            projects = try TestPaths.makeProject(
                "p", files: Self.files(hosts: hosts, marks: marks, gate: gate), executable: ["slow-hosts.sh"])
        }

        static func files(hosts: SSHTestHosts, marks: String, gate: String) -> [String: String] {
            let host = hosts.hosts[0]
            let sshArguments = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
            let inventory = JSONValue.object([
                "ssh": .object([
                    "hosts": .array([.string(host.name)]),
                    "vars": .object([
                        "ansible_ssh_common_args": .string(sshArguments),
                        "ansible_python_interpreter": .string(hosts.pythonInterpreter),
                    ]),
                ]),
                "_meta": .object([
                    "hostvars": .object([
                        host.name: .object(["ansible_host": .string("127.0.0.1"), "ansible_port": .number(Double(host.port))])
                    ])
                ]),
            ]).jsonString()
            let wait = "while [ -e \(gate) ]; do sleep 0.1; done"
            return [
                "hosts.ini": """
                [ssh]
                \(host.name) ansible_host=127.0.0.1 ansible_port=\(host.port)
                [ssh:vars]
                ansible_ssh_common_args='\(sshArguments)'
                ansible_python_interpreter=\(hosts.pythonInterpreter)

                """,
                // Ansible reads its inventory before its first event: a run held here is
                // claimed and started, but has run no task. Only runs (which carry
                // PLAYHOUSE_JOB) wait.
                "slow-hosts.sh": """
                #!/bin/sh
                if [ "$1" = --list ] && [ -n "$PLAYHOUSE_JOB" ]; then
                  touch "\(marks)/${PLAYHOUSE_JOB##*/}.claimed"
                  \(wait)
                fi
                if [ "$1" = --list ]; then echo '\(inventory)'; else echo '{}'; fi

                """,
                // `hold` (work, finish or none) says where the run waits for the gate.
                "life.yml": """
                - hosts: all
                  gather_facts: false
                  vars:
                    here: "\(marks)/{{ lookup('env', 'PLAYHOUSE_JOB') | basename }}"
                  tasks:
                    - name: count this run
                      ansible.builtin.shell: "echo ran >> {{ here }}.runs"
                      notify: finish
                    - name: work
                      ansible.builtin.shell: "touch {{ here }}.running; \(wait)"
                      when: hold == 'work'
                  handlers:
                    - name: finish
                      ansible.builtin.shell: "touch {{ here }}.finishing; \(wait)"
                      when: hold == 'finish'

                """,
            ]
        }

        // MARK: Processes

        func startWeb(workers: Int) async throws {
            let web = try PlayhouseProcess.serve(
                port: port, database: database, projects: projects, runs: runs, log: scratch + "/web.log",
                extra: [
                    "--workers", "\(workers)", "--worker-lost-after", "\(KillMatrixTests.lease)",
                    "--secret-key-file", scratch + "/secret.key",
                ])
            self.web = web
            try await web.waitUntilReady()
        }

        func startWorker(_ name: String) throws {
            workers[name] = try PlayhouseProcess(
                [
                    "worker", "--database", database, "--name", name, "--capacity", "1", "--projects", projects,
                    "--runs-dir", runs, "--worker-lost-after", "\(KillMatrixTests.lease)",
                    "--secret-key-file", scratch + "/secret.key",
                ],
                log: scratch + "/\(name).log")
        }

        func stopAll() async {
            for worker in workers.values { await worker.stop() }
            await web?.stop()
        }

        // MARK: API

        func launch(hold: String, inventory: String = "hosts.ini", credential: Int) async throws -> Int {
            let body =
                #"{"project":"p","playbook":"life.yml","inventory":"\#(inventory)","#
                + #""credentials":[\#(credential)],"extra_vars":{"hold":"\#(hold)"}}"#
            let answer = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs", body: body)
            guard answer.status == 202, let id = answer.json["id"]?.intValue else {
                throw TestFailure("launch answered \(answer.status): \(answer.json.jsonString())")
            }
            return id
        }

        func createCredential() async throws -> Int {
            let body = JSONValue.object([
                "name": .string("key"), "kind": .string("ssh"), "username": .string(sshUser), "private_key": .string(sshKey),
            ]).jsonString()
            let answer = try await RawHTTP.request(port: port, "POST", "/api/v1/credentials", body: body)
            guard answer.status == 201, let id = answer.json["id"]?.intValue else {
                throw TestFailure("creating the ssh credential answered \(answer.status): \(answer.json.jsonString())")
            }
            return id
        }

        func job(_ id: Int) async throws -> JSONValue {
            try await RawHTTP.request(port: port, "GET", "/api/v1/jobs/\(id)").json
        }

        func status(_ id: Int) async throws -> String {
            try await job(id)["status"]?.stringValue ?? "?"
        }

        /// How many times the job's playbook started, by its events.
        func playbookStarts(_ id: Int) async throws -> Int {
            let events = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/events?limit=1000").body
            return events.components(separatedBy: #""playbook_on_start""#).count - 1
        }

        // MARK: Traces

        /// Lines the job's runs appended: one per run that got to its first task.
        func runCount(_ id: Int) -> Int {
            let text = (try? String(contentsOfFile: marks + "/\(id).runs", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").count
        }

        func waitForMarker(_ id: Int, _ step: Step, timeout: Duration = .seconds(90)) async throws {
            let path = marks + "/\(id).\(step.rawValue)"
            guard await settle(within: timeout, { FileManager.default.fileExists(atPath: path) }) else {
                throw TestFailure("job \(id) did not reach \(step) within \(timeout): \(try await job(id).jsonString())")
            }
        }

        func runDirectories() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).filter { $0.hasPrefix("run-") }.sorted()
        }

        /// The run directory of each `PLAYHOUSE_JOB` tag in progress, from the directory's tag file.
        func runDirectoriesByTag() -> [String: String] {
            var found: [String: String] = [:]
            for name in runDirectories() {
                if let tag = try? String(contentsOfFile: runs + "/" + name + "/job-tag", encoding: .utf8) { found[tag] = name }
            }
            return found
        }

        /// The processes of `jobs` (tagged `PLAYHOUSE_JOB=instance/ID`, or naming one of
        /// their run `directories`, as ssh's ControlPersist master does, or their files in
        /// the marks folder, as the remote commands do) as "pid command" lines.
        func processes(of jobs: [Int], instance: String, directories: [String]) -> [String] {
            let tags = Set(jobs.map { "\(instance)/\($0)" })
            var found = Set(KillMatrixTests.processes { tags.contains($0) })
            for needle in directories.map({ runs + "/" + $0 + "/" }) + jobs.map({ marks + "/\($0)." }) {
                for process in ProcessCheck.processes(containing: needle) { found.insert("\(process.pid) \(process.command)") }
            }
            return found.sorted()
        }

        /// Every process of any run of this cell.
        func anyRunProcess(instance: String) -> [String] {
            var found = Set(KillMatrixTests.processes { $0.hasPrefix(instance + "/") })
            for needle in [runs + "/", projects + "/p/", marks + "/"] {
                for process in ProcessCheck.processes(containing: needle) { found.insert("\(process.pid) \(process.command)") }
            }
            return found.sorted()
        }

        // MARK: The scenario

        func play(_ step: Step) async throws {
            let started = ContinuousClock.now
            do {
                try await run(step, started: started)
                await stopAll()
            } catch {
                await stopAll()
                throw error
            }
        }

        private func run(_ step: Step, started: ContinuousClock.Instant) async throws {
            // The processes, and on PostgreSQL w2's job, which runs through it all.
            var neighbour: Int?
            let credential: Int
            switch victim {
            case .serveOnSQLite:
                try await startWeb(workers: 1)
                credential = try await createCredential()
            case .workerOnPostgres, .serveOnPostgres:
                try await startWeb(workers: 0)
                credential = try await createCredential()
                try startWorker("w2")
                let id = try await launch(hold: "work", credential: credential)
                try await waitForMarker(id, .running)
                neighbour = id
                if victim == .workerOnPostgres {
                    try startWorker("w1")
                } else {
                    await web?.stop()
                    try await startWeb(workers: 1)
                }
            }

            // Get a job to the step.
            let jobs: [Int]
            let target: Int
            switch step {
            case .queued:
                let blocker = try await launch(hold: "work", credential: credential)
                try await waitForMarker(blocker, .running)
                target = try await launch(hold: "none", credential: credential)
                // Time for a free slot to claim it, were there one.
                try await Task.sleep(for: .milliseconds(500))
                jobs = [blocker, target]
            case .claimed:
                target = try await launch(hold: "none", inventory: "slow-hosts.sh", credential: credential)
                jobs = [target]
            case .running:
                target = try await launch(hold: "work", credential: credential)
                jobs = [target]
            case .finishing:
                target = try await launch(hold: "finish", credential: credential)
                jobs = [target]
            }
            if step != .queued { try await waitForMarker(target, step) }
            #expect(try await status(target) == (step == .queued ? "queued" : "running"))
            let byTag = runDirectoriesByTag()
            let instance = try #require(byTag.keys.first?.split(separator: "/").first.map(String.init), "a run directory names its job")
            let inFlight = jobs.filter { byTag["\(instance)/\($0)"] != nil }
            let killedDirectories = inFlight.compactMap { byTag["\(instance)/\($0)"] }
            #expect(inFlight == (step == .queued ? [jobs[0]] : [target]))
            let neighbourDirectories = neighbour.flatMap { byTag["\(instance)/\($0)"] }.map { [$0] } ?? []

            // Kill, and bring the killed process back: a worker once its lease ran out, a
            // server at once (as a supervisor would).
            let expectedError: String
            let orphans: [String]
            switch victim {
            case .serveOnSQLite, .serveOnPostgres:
                let killed = try #require(web)
                let pid = killed.process.processIdentifier
                await killed.crash()
                orphans = processes(of: inFlight, instance: instance, directories: killedDirectories)
                try await startWeb(workers: 1)
                expectedError =
                    victim == .serveOnSQLite
                    ? "interrupted: server stopped"
                    : "worker lost: \(ProcessInfo.processInfo.hostName)-\(pid) stopped answering"
            case .workerOnPostgres:
                await workers["w1"]?.crash()
                orphans = processes(of: inFlight, instance: instance, directories: killedDirectories)
                for id in inFlight {
                    let lost = try await waitForEnd(port: port, id, timeout: .seconds(Int64(KillMatrixTests.lease) * 5))
                    #expect(lost["error"]?.stringValue?.hasPrefix("worker lost") == true, "job \(id): \(lost.jsonString())")
                }
                if step == .queued { #expect(try await status(target) == "queued", "a queued job waits for a worker") }
                try startWorker("w1")
                expectedError = "worker lost: w1 stopped answering"
            }
            #expect(!orphans.isEmpty, "a kill -9 leaves its runs behind, for the next start to end")

            // Nothing of the killed runs is left once the process is back, and the
            // neighbour's run goes on.
            await settle(within: .seconds(20)) { self.processes(of: inFlight, instance: instance, directories: killedDirectories).isEmpty }
            #expect(processes(of: inFlight, instance: instance, directories: killedDirectories) == [], "left running after the restart")
            if let neighbour {
                #expect(try await status(neighbour) == "running", "another process's job goes on")
                #expect(
                    !processes(of: [neighbour], instance: instance, directories: neighbourDirectories).isEmpty,
                    "another process's run goes on")
                #expect(neighbourDirectories.allSatisfy(runDirectories().contains), "another process's run directory stays")
            }

            // No job stuck, none lost, none run twice.
            var summary: [String] = []
            for id in jobs {
                let ended = try await waitForEnd(port: port, id, timeout: .seconds(90))
                let status = ended["status"]?.stringValue ?? "?"
                summary.append("job \(id) \(status)\(ended["error"]?.stringValue.map { " (\($0))" } ?? ""), ran \(runCount(id))×")
                #expect(runCount(id) <= 1, "job \(id) ran at most once")
                #expect(try await playbookStarts(id) <= 1, "job \(id) started its playbook at most once")
                if inFlight.contains(id) {
                    #expect(status == "error", "job \(id): \(ended.jsonString())")
                    #expect(ended["error"]?.stringValue == expectedError, "job \(id): \(ended.jsonString())")
                } else {
                    #expect(status == "successful", "the queued job runs once it has a slot: \(ended.jsonString())")
                    #expect(runCount(id) == 1)
                }
                if step == .claimed {
                    #expect(runCount(id) == 0, "no task ran before the kill")
                    #expect(try await playbookStarts(id) == 0, "the playbook had not started")
                }
            }

            // An interrupted job is relaunched as a new job, which runs once.
            try FileManager.default.removeItem(atPath: gate)
            var relaunched: [(original: Int, id: Int)] = []
            for id in inFlight {
                let answer = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs/\(id)/relaunch")
                #expect(answer.status == 202, "\(answer.json.jsonString())")
                relaunched.append((id, try #require(answer.json["id"]?.intValue)))
            }
            for (original, id) in relaunched {
                let ended = try await waitForEnd(port: port, id, timeout: .seconds(90))
                #expect(ended["status"] == .string("successful"), "relaunch of \(original): \(ended.jsonString())")
                #expect(runCount(id) == 1, "the relaunch ran once")
                #expect(runCount(original) <= 1, "the interrupted job did not run again")
                summary.append("relaunch \(id) of \(original) \(ended["status"]?.stringValue ?? "?"), ran \(runCount(id))×")
            }
            if let neighbour {
                let ended = try await waitForEnd(port: port, neighbour, timeout: .seconds(90))
                #expect(ended["status"] == .string("successful"), "w2's job: \(ended.jsonString())")
                #expect(runCount(neighbour) == 1)
                summary.append("w2's job \(neighbour) \(ended["status"]?.stringValue ?? "?"), ran \(runCount(neighbour))×")
            }

            guard case .array(let listed)? = try await RawHTTP.request(port: port, "GET", "/api/v1/jobs?limit=100").json["jobs"] else {
                throw TestFailure("no job list")
            }
            #expect(listed.count == jobs.count + relaunched.count + (neighbour == nil ? 0 : 1), "every job launched is there")
            #expect(listed.allSatisfy { JobStatus(rawValue: $0["status"]?.stringValue ?? "")?.isFinal == true }, "no job is stuck")
            await settle(within: .seconds(10)) { self.runDirectories().isEmpty && self.anyRunProcess(instance: instance).isEmpty }
            #expect(runDirectories() == [])
            #expect(anyRunProcess(instance: instance) == [])

            let seconds = (ContinuousClock.now - started).components.seconds
            print(
                "kill matrix: \(victim.rawValue) killed at \(step): \(orphans.count) processes left by the kill, "
                    + "all ended by the restart; \(summary.joined(separator: "; ")) [\(seconds) s]")
        }
    }

    /// "pid command" of every process whose environment holds a `PLAYHOUSE_JOB` tag that
    /// `matches`.
    static func processes(taggedWhere matches: (String) -> Bool) -> [String] {
        let prefix = Array("PLAYHOUSE_JOB=".utf8)
        var found: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), pid != getpid(),
                let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            else { continue }
            let tagged = environ.split(separator: 0).contains { variable in
                variable.starts(with: prefix) && matches(String(decoding: variable.dropFirst(prefix.count), as: UTF8.self))
            }
            if tagged { found.append("\(pid) \(ProcessCheck.commandLine(pid) ?? "?")") }
        }
        return found
    }
}

/// Polls `condition` until it holds or `limit` has passed; whether it holds.
@discardableResult
private func settle(within limit: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return condition()
}
