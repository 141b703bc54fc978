import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A long-lived helper process a test starts (`sshd`, chromedriver), run through
/// swift-subprocess until ``stop(killAfter:)``.
final class ChildProcess: Sendable {
    let pid: pid_t
    private let release: AsyncStream<Void>.Continuation
    private let process: Task<Void, Never>

    private init(pid: pid_t, release: AsyncStream<Void>.Continuation, process: Task<Void, Never>) {
        self.pid = pid
        self.release = release
        self.process = process
    }

    /// Starts `executable` with its standard error written to `stderrPath`, and returns
    /// once it runs.
    static func start(_ executable: String, arguments: [String], stderrPath: String) async throws -> ChildProcess {
        let errorFile = try FileDescriptor.open(
            FilePath(stderrPath), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let (started, reportStart) = AsyncStream.makeStream(of: Result<pid_t, ChildProcessError>.self)
        let process = Task {
            do {
                _ = try await Subprocess.run(
                    .path(FilePath(executable)),
                    arguments: Arguments(arguments),
                    input: .none,
                    output: .discarded,
                    error: .fileDescriptor(errorFile, closeAfterSpawningProcess: true)
                ) { execution in
                    reportStart.yield(.success(execution.processIdentifier.value))
                    reportStart.finish()
                    for await _ in released {}
                    try? execution.send(signal: .terminate)
                }
            } catch {
                reportStart.yield(.failure(ChildProcessError("could not start \(executable): \(error)")))
                reportStart.finish()
            }
        }
        var outcome: Result<pid_t, ChildProcessError> = .failure(ChildProcessError("\(executable) did not start"))
        for await result in started {
            outcome = result
            break
        }
        switch outcome {
        case .success(let pid):
            return ChildProcess(pid: pid, release: release, process: process)
        case .failure(let error):
            release.finish()
            await process.value
            throw error
        }
    }

    /// SIGTERM, then SIGKILL after `killAfter`; returns once the process has ended.
    func stop(killAfter: Duration) async {
        release.finish()
        let pid = self.pid
        let killer = Task {
            try await Task.sleep(for: killAfter)
            kill(pid, SIGKILL)
        }
        await process.value
        killer.cancel()
    }
}

/// A helper process that could not be started.
struct ChildProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
