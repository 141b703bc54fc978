import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A short-lived tool run to its end (git, ansible-galaxy, ssh-add): argv, a given
/// environment, optional standard input, a time limit, what it printed.
enum Command {
    struct Result {
        var succeeded: Bool
        var output: String
        var errors: String

        /// The last line the tool wrote to standard error, else to standard output.
        var lastLine: String {
            let text = errors.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? output : errors
            return text.split(separator: "\n").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }
    }

    static func run(
        _ executable: Executable, _ arguments: [String], environment: [String: String], input: String? = nil,
        workingDirectory: String? = nil, limit: Duration = .seconds(300)
    ) async throws -> Result {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        let platformOptions = options
        let childEnvironment = Environment.custom(environment.reduce(into: [:]) { $0[.init(rawValue: $1.key)!] = $1.value })
        let directory = workingDirectory.map { FilePath($0) }
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                let run = try await Subprocess.run(
                    executable, arguments: Arguments(arguments), environment: childEnvironment,
                    workingDirectory: directory, platformOptions: platformOptions,
                    input: .string(input ?? ""), output: .string(limit: 4 * 1024 * 1024), error: .string(limit: 1024 * 1024))
                return Result(succeeded: run.terminationStatus.isSuccess, output: run.standardOutput, errors: run.standardError)
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw RunnerError("\(arguments.first ?? "a tool") did not finish within \(limit)")
            }
            return result
        }
    }
}
