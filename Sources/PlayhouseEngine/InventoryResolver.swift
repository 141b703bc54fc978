import Foundation
public import PlayhouseCore
import Subprocess

#if canImport(System)
public import System
#else
import SystemPackage
#endif

/// Resolves an inventory to Ansible's JSON (`ansible-inventory --list`), with the same
/// environment a run would give a dynamic inventory script.
///
/// Each call works in a private run directory of its own, like a run, removed when the
/// call returns. Processes a dynamic inventory script leaves running are ended once
/// `ansible-inventory` has answered.
public struct InventoryResolver: Sendable {
    /// The Ansible whose `ansible-inventory` lists the hosts.
    public var ansible: AnsibleInstallation
    /// Where each call's private directory is made (created when missing) and removed
    /// afterwards; a ``PlaybookRunner``'s ``PlaybookRunner/runsDirectory`` serves well.
    public var runsDirectory: String
    /// How long `ansible-inventory` may take (a slow dynamic script, a host that does not
    /// answer) before the call gives up with a `ValidationError`.
    public var timeout: Duration

    /// A resolver using the given Ansible.
    ///
    /// - Parameters:
    ///   - ansible: The installation whose `ansible-inventory` runs.
    ///   - runsDirectory: Where each call's private directory is made.
    ///   - timeout: How long `ansible-inventory` may take; one minute by default.
    public init(ansible: AnsibleInstallation, runsDirectory: String, timeout: Duration = .seconds(60)) {
        self.ansible = ansible
        self.runsDirectory = runsDirectory
        self.timeout = timeout
    }

    /// The inventory's groups and hosts, as a run of it would see them.
    ///
    /// - Parameters:
    ///   - source: The inventory, as a run's ``PlaybookRunRequest/inventory`` gives it.
    ///   - extra: Environment for a dynamic inventory script, as a run's
    ///     ``PlaybookRunRequest/environment`` gives it.
    ///   - limit: A host pattern (`--limit`) that narrows the hosts; nil for all of them.
    /// - Returns: Ansible's `--list` JSON: one object per group with its `hosts` and
    ///   `children`, and `_meta.hostvars` with each host's variables.
    /// - Throws: `ValidationError` with Ansible's message when the inventory cannot be
    ///   parsed (a script that fails, text that is neither INI nor YAML) or `ansible-inventory`
    ///   does not answer within ``timeout``; other errors when the private directory cannot
    ///   be made or `ansible-inventory` cannot be started.
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
                let message =
                    AnsibleErrorLine.explain(errors)
                    ?? errors.split(separator: "\n").first.map(String.init)
                    ?? "ansible-inventory failed"
                throw ValidationError(message)
            }
            return json
        }
    }
}
