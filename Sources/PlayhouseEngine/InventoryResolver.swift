import Foundation
import PlayhouseCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Resolves an inventory to Ansible's JSON (`ansible-inventory --list`), with the same
/// environment a run would give a dynamic inventory script.
public struct InventoryResolver: Sendable {
    public var ansible: AnsibleInstallation
    public var runsDirectory: String
    public var timeout: Duration

    public init(ansible: AnsibleInstallation, runsDirectory: String, timeout: Duration = .seconds(60)) {
        self.ansible = ansible
        self.runsDirectory = runsDirectory
        self.timeout = timeout
    }

    /// The inventory's groups and hosts; a ``ValidationError`` with Ansible's message when
    /// it cannot be parsed (a script that fails, text that is neither INI nor YAML).
    public func resolve(_ source: InventorySource, environment extra: [String: String], limit: String? = nil) async throws -> JSONValue {
        try await JobDirectory.with(in: runsDirectory) { directory in
            var request = PlaybookRunRequest(playbook: "", workingDirectory: directory, inventory: source)
            request.environment = extra
            let sweep = ProcessSweep(directory: directory)
            let inventoryArgument = try AnsibleArguments.prepare(request, in: directory)[0]
            var environment = AnsibleArguments.environment(request, in: directory, ansible: ansible, marker: sweep.marker)
            environment["ANSIBLE_FORCE_COLOR"] = "0"
            environment["ANSIBLE_CALLBACKS_ENABLED"] = nil
            var options = PlatformOptions()
            options.createSession = true
            options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
            let patience = timeout
            let hostPattern = limit
            let childEnvironment = environment
            let platformOptions = options
            let result = try await withThrowingTaskGroup(of: ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>>?.self) { group in
                group.addTask {
                    try await Subprocess.run(
                        .path(FilePath(ansible.inventoryExecutable)),
                        arguments: Arguments(["--list", inventoryArgument] + (hostPattern.map { ["--limit=\($0)"] } ?? [])),
                        environment: .custom(childEnvironment.reduce(into: [:]) { $0[.init(rawValue: $1.key)!] = $1.value }),
                        workingDirectory: FilePath(directory),
                        platformOptions: platformOptions,
                        output: .string(limit: 16 * 1024 * 1024),
                        error: .string(limit: 1024 * 1024))
                }
                group.addTask {
                    try await Task.sleep(for: patience)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw ValidationError("ansible-inventory did not answer within \(patience)")
                }
                return result
            }
            await sweep.terminateAll(grace: .seconds(1))
            let output = result.standardOutput
            guard result.terminationStatus.isSuccess, let json = JSONValue.parse(output) else {
                let errors = ANSI.strip(result.standardError)
                let message = AnsibleErrorLine.explain(errors)
                    ?? errors.split(separator: "\n").first.map(String.init)
                    ?? "ansible-inventory failed"
                throw ValidationError(message)
            }
            return json
        }
    }
}
