import Foundation
import PlayhouseCore
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// An `ssh-agent` for one run: Ansible adds the run's private key to it (`ANSIBLE_SSH_AGENT`
/// names its socket), so the key never lands in a key file, and a passphrase-protected
/// key works. ``stop()`` ends it; the agent then removes its socket.
///
/// Playhouse starts the agent rather than Ansible (`ANSIBLE_SSH_AGENT=auto`) because
/// Ansible puts the socket under its local temp folder, inside the run directory, where the
/// path easily passes the 108 bytes a Unix socket path may have. The agent carries the
/// run's job tag but not its sweep marker: a stop waits for the run's processes to go,
/// and the agent only goes when told.
struct SSHAgent: Sendable {
    let socket: String
    let pid: pid_t

    static func start(jobTag: String?) async throws -> SSHAgent {
        var environment: [Environment.Key: String] = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        if let jobTag { environment[.init(rawValue: ProcessSweep.jobVariable)!] = jobTag }
        let succeeded: Bool
        let output: String
        let errors: String
        do {
            // Without -D the agent forks into the background and prints where it listens.
            let run = try await Subprocess.run(
                .name("ssh-agent"), arguments: ["-s"], environment: .custom(environment),
                input: .none, output: .string(limit: 4096), error: .string(limit: 4096))
            (succeeded, output, errors) = (run.terminationStatus.isSuccess, run.standardOutput, run.standardError)
        } catch {
            throw RunnerError("ssh credentials need ssh-agent, which could not be started (install openssh-client): \(error)")
        }
        guard succeeded, let socket = value("SSH_AUTH_SOCK", in: output),
            let pid = value("SSH_AGENT_PID", in: output).flatMap(pid_t.init)
        else {
            throw RunnerError("ssh-agent did not start: \(errors.isEmpty ? output : errors)")
        }
        return SSHAgent(socket: socket, pid: pid)
    }

    func stop() {
        kill(pid, SIGTERM)
    }

    /// Adds a key (given on standard input, never as a file); a passphrase is answered
    /// through `SSH_ASKPASS` from a 0600 file in `directory`.
    func add(key: String, passphrase: String?, directory: String) async throws {
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "SSH_AUTH_SOCK": socket]
        if let passphrase {
            try JobDirectory.write(passphrase, to: directory + "/ssh-passphrase")
            let script = directory + "/ssh-askpass"
            try JobDirectory.write("#!/bin/sh\ncat '\(directory)/ssh-passphrase'\n", to: script, executable: true)
            environment["SSH_ASKPASS"] = script
            environment["SSH_ASKPASS_REQUIRE"] = "force"
        }
        let result = try await Command.run(.name("ssh-add"), ["-q", "-"], environment: environment, input: key, limit: .seconds(30))
        guard result.succeeded else {
            let reason = SecretMask(secrets: [key] + (passphrase.map { [$0] } ?? [])).apply(result.lastLine)
            throw RunnerError("the ssh key could not be added to the run's ssh-agent: \(reason)")
        }
    }

    /// `NAME=value;` from the agent's Bourne shell output.
    private static func value(_ name: String, in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix(name + "=") {
            return line.dropFirst(name.count + 1).split(separator: ";").first.map(String.init)
        }
        return nil
    }
}
