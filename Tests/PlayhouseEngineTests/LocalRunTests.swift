import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseTestSupport
import Testing

@Suite struct LocalRunTests {
    static let playbooks = [
        "ok.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - name: Greet
              ansible.builtin.debug: { msg: "hi {{ inventory_hostname }} {{ greeting | default('') }}" }
            - name: Change
              ansible.builtin.command: "true"
              changed_when: true
            - name: Skip
              ansible.builtin.debug: { msg: never }
              when: false
        """,
        "fail.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - name: Break
              ansible.builtin.fail: { msg: "broken on purpose" }
              when: inventory_hostname == 'b'
            - name: After
              ansible.builtin.debug: { msg: after }
        """,
        "syntax.yml": "- hosts: all\n  tasks:\n    - debug: msg=hi\n   bad: [\n",
        "sleep.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - name: Sleep
              ansible.builtin.command: "sleep {{ duration }}"
        """,
        "inventory/broken.sh": "#!/bin/sh\necho 'cmdb is down' >&2\nexit 3\n",
    ]

    func fixture() throws -> RunnerFixture {
        try RunnerFixture(files: Self.playbooks, executable: ["inventory/broken.sh"])
    }

    @Test func successfulRunReportsEveryEventInOrder() async throws {
        let fixture = try fixture()
        var request = fixture.request("ok.yml")
        request.extraVars = ["greeting": .string("from extra vars; $(touch /tmp/nope) `x`")]
        let (result, collected) = try await fixture.run(request)
        #expect(result.outcome == RunOutcome(status: .successful))
        #expect(result.exitCode == 0)
        let events = collected.events
        #expect(events.map(\.seq) == Array(1...events.count))
        #expect(events.first?.type == .playbookStart)
        #expect(events.last?.type == .stats)
        #expect(events.filter { $0.type == .ok && $0.task == "Change" && $0.changed == true }.count == 2)
        #expect(events.filter { $0.type == .skipped }.count == 2)
        let greeting = events.first { $0.type == .ok && $0.host == "a" && $0.task == "Greet" }
        #expect(greeting?.message == "hi a from extra vars; $(touch /tmp/nope) `x`")
        #expect(result.summary.hosts["a"]?.ok == 2)
        #expect(result.summary.hosts["a"]?.changed == 1)
        #expect(result.summary.hosts["a"]?.skipped == 1)
        #expect(result.summary.progress.tasksTotal == 3)
        #expect(collected.output.contains("PLAY RECAP"))
        #expect(collected.output.contains("\u{1B}["), "the log keeps Ansible's colours")
    }

    @Test func aFailingTaskEndsFailed() async throws {
        let fixture = try fixture()
        let (result, collected) = try await fixture.run(fixture.request("fail.yml"))
        #expect(result.outcome == RunOutcome(status: .failed))
        #expect(result.exitCode == 2)
        #expect(result.summary.hosts["b"]?.failed == 1)
        #expect(result.summary.hosts["a"]?.failed == 0)
        let failure = collected.events.first { $0.type == .failed }
        #expect(failure?.host == "b")
        #expect(failure?.message == "broken on purpose")
    }

    @Test func aSyntaxErrorEndsErrorWithAnsiblesMessage() async throws {
        let fixture = try fixture()
        let (result, _) = try await fixture.run(fixture.request("syntax.yml"))
        #expect(result.outcome.status == .error)
        #expect(result.exitCode == 4)
        #expect(result.outcome.error?.contains("YAML parsing failed") == true, "\(result.outcome.error ?? "nil")")
    }

    @Test func aMissingPlaybookEndsError() async throws {
        let fixture = try fixture()
        let (result, _) = try await fixture.run(fixture.request("nope.yml"))
        #expect(result.outcome.status == .error)
        #expect(result.outcome.error?.contains("could not be found") == true, "\(result.outcome.error ?? "nil")")
    }

    @Test func aFailingInventoryScriptEndsErrorNamingTheCause() async throws {
        let fixture = try fixture()
        let (result, collected) = try await fixture.run(
            fixture.request("ok.yml", inventory: .path(fixture.project + "/inventory/broken.sh")))
        #expect(result.outcome.status == .error)
        let message = result.outcome.error ?? ""
        #expect(message.contains("No inventory was parsed"), "\(message)")
        #expect(message.contains("cmdb is down"), "\(message)")
        #expect(!collected.events.contains { $0.type == .ok })
    }

    @Test func anInventoryThatDoesNotParseIsAnErrorNotAnEmptyRun() async throws {
        let fixture = try fixture()
        let (missing, _) = try await fixture.run(
            fixture.request("ok.yml", inventory: .path(fixture.project + "/inventory/missing.ini")))
        #expect(missing.outcome.status == .error)
        let (garbled, _) = try await fixture.run(fixture.request("ok.yml", inventory: .text("[all\nfoo ansible_host=\n")))
        #expect(garbled.outcome.status == .error)
        #expect(garbled.outcome.error?.contains("No inventory was parsed") == true)
    }

    @Test func cancelStopsTheRunAndLeavesNoProcess() async throws {
        let fixture = try fixture()
        let control = RunControl()
        let collected = Collected()
        var request = fixture.request("sleep.yml")
        request.extraVars = ["duration": .number(61)]
        let run = Task {
            try await fixture.runner.run(request, control: control) { collected.add($0) }
        }
        #expect(await collected.waitFor(.runnerStart))
        #expect(await ProcessCheck.waitFor("sleep 61"), "the task's command should be running")
        control.stop(.canceled)
        let result = try await run.value
        #expect(result.outcome == RunOutcome(status: .canceled))
        #expect(ProcessCheck.processes(containing: fixture.project + "/sleep.yml").isEmpty)
        #expect(ProcessCheck.processes(containing: fixture.runner.runsDirectory).isEmpty)
        #expect(ProcessCheck.processes(containing: "sleep 61").isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.runner.runsDirectory)
        #expect(leftovers.isEmpty, "the private run directory is removed: \(leftovers)")
    }

    @Test func aTimeoutEndsErrorAndStopsTheRun() async throws {
        let fixture = try fixture()
        var request = fixture.request("sleep.yml")
        request.extraVars = ["duration": .number(62)]
        request.timeout = .seconds(3)
        let (result, _) = try await fixture.run(request)
        #expect(result.outcome == RunOutcome(status: .error, error: "timed out after 3s"))
        #expect(ProcessCheck.processes(containing: fixture.project + "/sleep.yml").isEmpty)
        #expect(ProcessCheck.processes(containing: "sleep 62").isEmpty)
    }

    @Test func theLibraryStreamStopsTheRunWhenTheTaskIsCancelled() async throws {
        let fixture = try fixture()
        let runner = fixture.runner
        var request = fixture.request("sleep.yml")
        request.extraVars = ["duration": .number(63)]
        let consumer = Task {
            var types: [EventType] = []
            for try await update in runner.updates(request) {
                if case .event(let event) = update { types.append(event.type) }
            }
            return types
        }
        #expect(await ProcessCheck.waitFor("sleep 63"))
        let deadline = ContinuousClock.now + .seconds(20)
        consumer.cancel()
        _ = try? await consumer.value
        var gone = false
        while !gone, ContinuousClock.now < deadline {
            gone =
                ProcessCheck.processes(containing: fixture.project + "/sleep.yml").isEmpty
                && ProcessCheck.processes(containing: "sleep 63").isEmpty
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(gone, "cancelling the consuming task stops ansible-playbook and its children")
    }

    @Test func theLibraryStreamYieldsEventsOfAFullRun() async throws {
        let fixture = try fixture()
        var types: [EventType] = []
        for try await update in fixture.runner.updates(fixture.request("ok.yml")) {
            if case .event(let event) = update { types.append(event.type) }
        }
        #expect(types.first == .playbookStart)
        #expect(types.last == .stats)
    }
}
