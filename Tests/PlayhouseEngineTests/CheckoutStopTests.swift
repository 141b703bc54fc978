import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A stop reaches a run while it is still checking out its git project: a fetch from a
/// remote that never answers, or a wait for the mirror another run holds.
@Suite struct CheckoutStopTests {
    /// A git remote that takes connections and never answers them: git waits for a reply
    /// that never comes.
    private struct SilentRemote: ~Copyable {
        let fd: Int32
        let url: String

        init() throws {
            let (fd, port) = try Loopback.silentListener()
            self.fd = fd
            url = "http://127.0.0.1:\(port)/silent.git"
        }

        deinit { close(fd) }
    }

    private func fixture() throws -> RunnerFixture {
        try RunnerFixture(files: ["unused.yml": "- hosts: all\n  tasks: []\n"])
    }

    private func request(_ fixture: RunnerFixture, url: String) -> PlaybookRunRequest {
        var request = fixture.request("site.yml")
        request.git = GitSource(url: url, branch: "main")
        return request
    }

    @Test func aCancelStopsAFetchThatHangs() async throws {
        let remote = try SilentRemote()
        let fixture = try fixture()
        let control = RunControl()
        let request = request(fixture, url: remote.url)
        let runner = fixture.runner
        let run = Task { try await runner.run(request, control: control) { _ in } }
        #expect(await ProcessCheck.waitFor(remote.url, timeout: .seconds(120)), "git should be fetching from the silent remote")
        control.stop(.canceled)
        let result = try await run.value
        #expect(result.outcome == RunOutcome(status: .canceled))
        #expect(result.exitCode == nil)
        #expect(ProcessCheck.processes(containing: remote.url).isEmpty, "no git is left fetching")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: runner.runsDirectory).filter { $0.hasPrefix("job-") }
        #expect(leftovers.isEmpty, "the run directory is removed: \(leftovers)")
    }

    @Test func theTimeLimitCountsTheCheckout() async throws {
        let remote = try SilentRemote()
        let fixture = try fixture()
        var request = request(fixture, url: remote.url)
        request.timeout = .seconds(2)
        let (result, _) = try await fixture.run(request)
        #expect(result.outcome == RunOutcome(status: .error, error: "timed out after 2s"))
        #expect(ProcessCheck.processes(containing: remote.url).isEmpty, "no git is left fetching")
    }

    @Test func aCancelStopsTheWaitForAMirrorAnotherRunHolds() async throws {
        let remote = try SilentRemote()
        let fixture = try fixture()
        let runner = fixture.runner
        let request = request(fixture, url: remote.url)
        let holder = RunControl()
        let first = Task { try await runner.run(request, control: holder) { _ in } }
        #expect(await ProcessCheck.waitFor(remote.url, timeout: .seconds(120)), "the first run should be fetching, holding the mirror")
        let waiter = RunControl()
        let second = Task { try await runner.run(request, control: waiter) { _ in } }
        // The second run cannot fetch before the first lets go of the mirror.
        try await Task.sleep(for: .milliseconds(500))
        waiter.stop(.shutdown("interrupted: worker stopped"))
        let stopped = try await second.value
        #expect(stopped.outcome == RunOutcome(status: .error, error: "interrupted: worker stopped"))
        #expect(!ProcessCheck.processes(containing: remote.url).isEmpty, "the first run is still fetching")
        holder.stop(.canceled)
        #expect(try await first.value.outcome == RunOutcome(status: .canceled))
        #expect(ProcessCheck.processes(containing: remote.url).isEmpty)
    }
}
