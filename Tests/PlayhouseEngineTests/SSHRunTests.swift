import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseTestSupport
import Synchronization
import Testing

/// The runner against real `sshd` hosts on 127.0.0.1 (see ``SSHTestHosts``).
@Suite(.serialized)
struct SSHRunTests {
    // MARK: The hosts themselves

    @Test func testHostsStartAnswerAndStopCleanly() async throws {
        let hosts = try await SSHTestHosts.start(count: 2)
        let ports = hosts.hosts.map(\.port)
        #expect(hosts.hosts.map(\.name) == ["h1", "h2"])
        #expect(Set(ports).count == 2)
        for port in ports {
            #expect(SSHTestHosts.sshBanner(port: port)?.hasPrefix("SSH-2.0-OpenSSH") == true, "port \(port)")
        }
        let daemons = ProcessCheck.processes(containing: hosts.directory).filter { $0.command.contains("sshd") }
        #expect(daemons.count == 2, "\(daemons)")
        let inventory = hosts.inventory()
        for port in ports { #expect(inventory.contains("ansible_host=127.0.0.1 ansible_port=\(port)")) }
        #expect(FileManager.default.isExecutableFile(atPath: hosts.pythonInterpreter))

        let closed = try hosts.unreachablePort()
        #expect(SSHTestHosts.sshBanner(port: closed) == nil)

        await hosts.stop()
        #expect(ProcessCheck.processes(containing: hosts.directory).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: hosts.directory))
        for port in ports { #expect(SSHTestHosts.sshBanner(port: port, timeout: 0.5) == nil, "port \(port)") }
        await hosts.stop()  // a second stop is harmless
    }

    // MARK: Runs over SSH

    @Test func playbookRunsOverSSHOnThreeHosts() async throws {
        try await withSSHTestHosts(count: 3) { hosts in
            let marker = "/tmp/playhouse-ssh-" + UUID().uuidString.prefix(8).lowercased()
            let (runner, runs) = try Self.makeRunner()
            defer { Self.remove(runs) }
            let playbook = try Self.writePlaybook(Self.threeTasks(marker: marker))
            defer {
                Self.remove(playbook.projects)
                for host in hosts.hosts { Self.remove(marker + "-" + host.name) }
            }

            let updates = UpdateLog()
            let result = try await runner.run(
                PlaybookRunRequest(
                    playbook: playbook.path, workingDirectory: playbook.directory,
                    inventory: .text(hosts.inventory()))
            ) { batch in updates.append(batch) }

            let output = updates.output
            #expect(result.outcome.status == .successful, "\(result.outcome) \(output)")
            #expect(result.exitCode == 0)
            #expect(ANSI.strip(output).contains("PLAY RECAP"))
            #expect(Set(result.summary.hosts.keys) == Set(hosts.hosts.map(\.name)))
            let events = updates.events
            for host in hosts.hosts {
                let counts = result.summary.hosts[host.name]
                #expect(counts?.ok == 3, "\(host.name): \(String(describing: counts))")
                #expect(counts?.changed == 2, "\(host.name): \(String(describing: counts))")
                #expect(counts?.failed == 0)
                #expect(counts?.unreachable == 0)
                for task in ["who am i", "say hello", "make a folder"] {
                    #expect(
                        events.contains { $0.type == .ok && $0.host == host.name && $0.task == task },
                        "no runner_on_ok for \(host.name) / \(task)")
                }
                // The command really ran over SSH as the test user…
                let whoami = events.first { $0.type == .ok && $0.host == host.name && $0.task == "who am i" }
                #expect(whoami?.data?["stdout"]?.stringValue == hosts.user)
                // …and so did the file module: the folder belongs to that user.
                let folder = marker + "-" + host.name
                let attributes = try FileManager.default.attributesOfItem(atPath: folder)
                #expect(attributes[.ownerAccountName] as? String == hosts.user, "\(folder)")
            }
            #expect(Self.leftovers(under: runs).isEmpty, "\(Self.leftovers(under: runs))")
            Self.expectNoSSHMasters(under: runs)
        }
    }

    @Test func unreachableHostFailsTheRun() async throws {
        try await withSSHTestHosts(count: 2) { hosts in
            let marker = "/tmp/playhouse-ssh-" + UUID().uuidString.prefix(8).lowercased()
            let (runner, runs) = try Self.makeRunner()
            defer { Self.remove(runs) }
            let playbook = try Self.writePlaybook(Self.threeTasks(marker: marker))
            defer {
                Self.remove(playbook.projects)
                for host in hosts.hosts { Self.remove(marker + "-" + host.name) }
            }
            let inventory = hosts.inventory(extraLines: [try hosts.unreachableHost(name: "gone")])

            let updates = UpdateLog()
            let result = try await runner.run(
                PlaybookRunRequest(playbook: playbook.path, workingDirectory: playbook.directory, inventory: .text(inventory))
            ) { batch in updates.append(batch) }

            #expect(result.outcome.status == .failed, "\(result.outcome) \(updates.output)")
            #expect(result.exitCode == 4)
            #expect(result.summary.hosts["gone"]?.unreachable == 1, "\(result.summary.hosts)")
            #expect(result.summary.hosts["gone"]?.ok == 0)
            let unreachable = updates.events.filter { $0.type == .unreachable }
            #expect(unreachable.map(\.host) == ["gone"], "\(unreachable)")
            for host in hosts.hosts {
                #expect(result.summary.hosts[host.name]?.ok == 3, "\(host.name): \(result.summary.hosts)")
                #expect(result.summary.hosts[host.name]?.unreachable == 0)
            }
            #expect(Self.leftovers(under: runs).isEmpty, "\(Self.leftovers(under: runs))")
            Self.expectNoSSHMasters(under: runs)
        }
    }

    @Test func cancelStopsTheRunAndItsRemoteCommands() async throws {
        try await withSSHTestHosts(count: 2) { hosts in
            // A duration no other test uses, so the remote processes are ours alone.
            let sleep = "sleep 30.\(Int.random(in: 100_000...999_999))"
            let (runner, runs) = try Self.makeRunner()
            defer { Self.remove(runs) }
            let playbook = try Self.writePlaybook(
                """
                - name: cancel me
                  hosts: ssh
                  gather_facts: false
                  tasks:
                    - name: wait
                      ansible.builtin.command: \(sleep)
                """)
            defer { Self.remove(playbook.projects) }
            let remoteSleeps = { ProcessCheck.processes(containing: sleep).filter { $0.command.hasPrefix("sleep ") } }
            let ansibleProcesses = {
                ProcessCheck.processes(containing: playbook.path).filter { $0.command.contains("ansible-playbook") }
            }

            let control = RunControl()
            let updates = UpdateLog()
            let request = PlaybookRunRequest(
                playbook: playbook.path, workingDirectory: playbook.directory, inventory: .text(hosts.inventory()))
            let run = Task { try await runner.run(request, control: control) { batch in updates.append(batch) } }
            // Whatever happens below, the run must not outlive the test.
            defer { control.stop(.canceled) }

            let started = await Self.poll(for: .seconds(30)) {
                let hostsStarted = updates.events.filter { $0.type == .runnerStart && $0.task == "wait" }.compactMap(\.host)
                return Set(hostsStarted) == Set(hosts.hosts.map(\.name))
            }
            try #require(started, "no runner_on_start for the task on both hosts: \(updates.output)")
            // The remote commands and the run's ssh masters are really there before the cancel,
            // so their absence afterwards means something.
            let sleeping = await Self.poll(for: .seconds(15)) { remoteSleeps().count == hosts.hosts.count }
            try #require(sleeping, "remote \(sleep) never started: \(remoteSleeps()) \(updates.output)")
            let masters = await Self.poll(for: .seconds(5)) {
                ProcessCheck.processes(containing: runs).contains { Self.isSSHMaster($0.command) }
            }
            #expect(masters, "no ssh ControlPersist master under \(runs): \(ProcessCheck.processes(containing: "ssh"))")
            let argv = try #require(ansibleProcesses().first?.command, "ansible-playbook is not running")
            let inventoryPath = try #require(
                argv.split(separator: " ").first { $0.hasPrefix("--inventory=") }?.dropFirst("--inventory=".count))
            let runDirectory = URL(fileURLWithPath: String(inventoryPath)).deletingLastPathComponent().path
            #expect(runDirectory.hasPrefix(runs + "/run-"), "\(runDirectory)")

            let stoppedAt = ContinuousClock.now
            control.stop(.canceled)
            let result = try await run.value
            let stopTook = ContinuousClock.now - stoppedAt

            #expect(result.outcome.status == .canceled, "\(result.outcome) \(updates.output)")
            #expect(stopTook < .seconds(15), "stopping took \(stopTook)")
            // Nothing of the run is left locally: not ansible-playbook, not its workers, not
            // the ssh masters (their command lines name the run's ControlPath folder).
            #expect(Self.leftovers(under: runDirectory).isEmpty, "\(Self.leftovers(under: runDirectory))")
            #expect(Self.leftovers(under: runs).isEmpty, "\(Self.leftovers(under: runs))")
            #expect(ansibleProcesses().isEmpty, "\(ansibleProcesses())")
            Self.expectNoSSHMasters(under: runDirectory)
            #expect(!FileManager.default.fileExists(atPath: runDirectory))
            // The remote commands die with their PTY.
            let remoteGone = await Self.poll(for: .seconds(5)) { remoteSleeps().isEmpty }
            #expect(remoteGone, "remote commands left: \(remoteSleeps())")
        }
    }

    // MARK: Helpers

    /// Processes left under `folder` other than ssh ControlPersist masters (checked apart).
    static func leftovers(under folder: String) -> [(pid: Int32, command: String)] {
        ProcessCheck.processes(containing: folder).filter { !isSSHMaster($0.command) }
    }

    /// A ControlPersist master retitles itself "ssh: <ControlPath> [mux]".
    static func isSSHMaster(_ command: String) -> Bool {
        command.hasPrefix("ssh: ") && command.contains("[mux]")
    }

    /// No `ssh` process names `folder` (a run's masters are titled "ssh: <run>/cp/<hash> [mux]").
    ///
    /// An OpenSSH mux master's setproctitle() overwrites its environment, so the runner
    /// must find it by its control socket path: none may outlive the run.
    static func expectNoSSHMasters(under folder: String) {
        let masters = ProcessCheck.processes(containing: folder).filter { isSSHMaster($0.command) }
        #expect(masters.isEmpty, "ssh processes left: \(masters.map(\.command))")
    }

    static func makeRunner() throws -> (PlaybookRunner, runs: String) {
        let runs = try TestPaths.scratch("runs")
        return (PlaybookRunner(ansible: AnsibleInstallation(binDirectory: TestPaths.ansibleBin), runsDirectory: runs), runs)
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `text` as play.yml of a new project; the project folder is its directory.
    static func writePlaybook(_ text: String) throws -> (path: String, directory: String, projects: String) {
        let projects = try TestPaths.makeProject(files: ["play.yml": text])
        return (projects + "/p/play.yml", projects + "/p", projects)
    }

    /// A command that changes (by decree), a debug, and a file module call that makes a
    /// folder `<marker>-<host>`.
    static func threeTasks(marker: String) -> String {
        """
        - name: over ssh
          hosts: ssh
          gather_facts: false
          tasks:
            - name: who am i
              ansible.builtin.command: id -un
              changed_when: true
            - name: say hello
              ansible.builtin.debug:
                msg: "hello from {{ inventory_hostname }}"
            - name: make a folder
              ansible.builtin.file:
                path: "\(marker)-{{ inventory_hostname }}"
                state: directory
                mode: "0755"
        """
    }

    /// Checks `condition` every 50 ms until it holds or `limit` passed.
    static func poll(for limit: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }
}

/// What a run reported, collected from its update batches.
private final class UpdateLog: Sendable {
    private let updates = Mutex<[RunUpdate]>([])

    func append(_ batch: [RunUpdate]) {
        updates.withLock { $0 += batch }
    }

    var events: [JobEvent] {
        updates.withLock { $0 }.compactMap { if case .event(let event) = $0 { event } else { nil } }
    }

    var output: String {
        updates.withLock { $0 }.compactMap { if case .output(let text) = $0 { text } else { nil } }.joined()
    }
}
