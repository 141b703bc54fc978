import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a tool a test needs (git, ssh-keygen, ansible-vault) to its end; a failure throws
/// with what the tool said.
public enum TestTool {
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) async throws -> String {
        let result = try await Subprocess.run(
            executable.hasPrefix("/") ? .path(FilePath(executable)) : .name(executable), arguments: Arguments(arguments),
            workingDirectory: directory.map { FilePath($0) }, input: .none,
            output: .string(limit: 1024 * 1024), error: .string(limit: 1024 * 1024))
        guard result.terminationStatus.isSuccess else {
            throw TestToolError("\(executable) \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
        return result.standardOutput
    }
}

public struct TestToolError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
