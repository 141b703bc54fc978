import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseTestSupport
import Synchronization

/// Runs playbooks written by a test through the real runner and keeps what they reported.
struct RunnerFixture {
    var runner: PlaybookRunner
    let project: String

    init(files: [String: String], executable: Set<String> = []) throws {
        let projects = try TestPaths.makeProject("p", files: files, executable: executable)
        project = projects + "/p"
        runner = PlaybookRunner(
            ansible: AnsibleInstallation(binDirectory: TestPaths.ansibleBin),
            runsDirectory: try TestPaths.scratch("runs"), stopGrace: .seconds(2))
    }

    func request(_ playbook: String, inventory: InventorySource? = nil) -> PlaybookRunRequest {
        PlaybookRunRequest(
            playbook: project + "/" + playbook, workingDirectory: project,
            inventory: inventory ?? .text(TestPaths.localInventory(["a", "b"])))
    }

    func run(_ request: PlaybookRunRequest, control: RunControl = RunControl()) async throws -> (RunResult, Collected) {
        let collected = Collected()
        let result = try await runner.run(request, control: control) { batch in collected.add(batch) }
        return (result, collected)
    }
}

/// Updates of a run, in arrival order.
final class Collected: Sendable {
    private let updates = Mutex<[RunUpdate]>([])

    func add(_ batch: [RunUpdate]) {
        updates.withLock { $0 += batch }
    }

    var events: [JobEvent] {
        updates.withLock { $0.compactMap { if case .event(let event) = $0 { event } else { nil } } }
    }

    var output: String {
        updates.withLock { $0.compactMap { if case .output(let text) = $0 { text } else { nil } }.joined() }
    }

    func waitFor(_ type: EventType, timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if events.contains(where: { $0.type == type }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
