import Foundation
import PlayhouseCore

/// Where a run's project comes from when it is a git repository.
public struct GitSource: Sendable, Equatable {
    public var url: String
    public var branch: String
    public var credential: Credential?

    /// How the clone authenticates.
    public enum Credential: Sendable, Equatable {
        /// HTTPS: answered to git's prompts through `GIT_ASKPASS`, from 0600 files.
        case password(username: String, password: String)
        /// SSH: the key in the run's ssh-agent.
        case sshKey(key: String, passphrase: String?)
    }

    public init(url: String, branch: String, credential: Credential? = nil) {
        self.url = url
        self.branch = branch
        self.credential = credential
    }

    /// The secrets to mask in what the clone prints.
    var secrets: [String] {
        switch credential {
        case .password(_, let password)?: [password]
        case .sshKey(let key, let passphrase)?: [key] + (passphrase.map { [$0] } ?? [])
        case nil: []
        }
    }

    /// The URL without a password someone wrote into it.
    var displayURL: String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "********"
        return parts.string ?? url
    }
}

/// Clones a git project's branch into a run directory and says which commit it got.
public enum GitCheckout {
    /// What a git source holds: a fresh clone into a throwaway run directory under
    /// `runsDirectory`, its playbooks and inventory files listed, the clone removed.
    public static func contents(of source: GitSource, runsDirectory: String) async throws -> (playbooks: [String], inventories: [String]) {
        try await JobDirectory.with(in: runsDirectory) { directory in
            let sweep = ProcessSweep(directory: directory)
            defer { sweep.signal(SIGTERM) }
            let environment = [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                "HOME": ProcessInfo.processInfo.environment["HOME"] ?? directory,
                ProcessSweep.variable: sweep.marker,
            ]
            _ = try await clone(source, in: directory, environment: environment)
            let catalog = ProjectCatalog(root: directory)
            return (try catalog.playbooks(in: "project"), try catalog.inventoryFiles(in: "project"))
        }
    }

    /// Clones `source` into `directory/project` (shallow, one branch) and returns the commit.
    /// `environment` is the run's own (its sweep marker, PATH, HOME).
    static func clone(_ source: GitSource, in directory: String, environment base: [String: String]) async throws -> String {
        var environment = base
        environment["GIT_TERMINAL_PROMPT"] = "0"
        var agent: SSHAgent? = nil
        defer { agent?.stop() }
        switch source.credential {
        case .password(let username, let password)?:
            try JobDirectory.write(username, to: directory + "/git-username")
            try JobDirectory.write(password, to: directory + "/git-password")
            let script = directory + "/git-askpass"
            try JobDirectory.write(
                "#!/bin/sh\ncase \"$1\" in Username*) cat '\(directory)/git-username';; *) cat '\(directory)/git-password';; esac\n",
                to: script, executable: true)
            environment["GIT_ASKPASS"] = script
        case .sshKey(let key, let passphrase)?:
            let started = try await SSHAgent.start(jobTag: base[ProcessSweep.jobVariable])
            agent = started
            try await started.add(key: key, passphrase: passphrase, directory: directory)
            environment["SSH_AUTH_SOCK"] = started.socket
        case nil:
            break
        }
        // Each run starts from a clean slate, so the host key is taken on first sight.
        environment["GIT_SSH_COMMAND"] = "ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
        let checkout = directory + "/project"
        let clone = try await Command.run(
            .name("git"), ["clone", "--quiet", "--depth", "1", "--single-branch", "--branch", source.branch, "--", source.url, checkout],
            environment: environment)
        guard clone.succeeded else {
            let reason = SecretMask(secrets: source.secrets).apply(clone.lastLine)
            throw RunnerError("git could not clone \(source.displayURL) (branch \(source.branch)): \(reason)")
        }
        let head = try await Command.run(.name("git"), ["-C", checkout, "rev-parse", "HEAD"], environment: environment)
        let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard head.succeeded, !commit.isEmpty else { throw RunnerError("git did not say which commit it cloned: \(head.lastLine)") }
        return commit
    }
}

/// `roles/requirements.yml` and `collections/requirements.yml` of a checkout, installed
/// with `ansible-galaxy` into the run directory.
enum GalaxyRequirements {
    /// Installs what the checkout requires; returns the environment that points Ansible at
    /// it and what ansible-galaxy printed.
    static func install(
        checkout: String, in directory: String, ansible: AnsibleInstallation, environment: [String: String]
    ) async throws -> (environment: [String: String], log: String) {
        var added: [String: String] = [:]
        var log = ""
        let galaxy = ansible.binDirectory + "/ansible-galaxy"
        let roles = checkout + "/roles/requirements.yml"
        if FileManager.default.fileExists(atPath: roles) {
            let target = directory + "/galaxy-roles"
            let result = try await Command.run(
                .path(.init(galaxy)), ["role", "install", "-r", roles, "-p", target], environment: environment, workingDirectory: checkout)
            guard result.succeeded else { throw RunnerError("ansible-galaxy could not install roles/requirements.yml: \(result.lastLine)") }
            log += result.output
            added["ANSIBLE_ROLES_PATH"] = [target, checkout + "/roles", environment["ANSIBLE_ROLES_PATH"]].compactMap { $0 }.joined(separator: ":")
        }
        let collections = checkout + "/collections/requirements.yml"
        if FileManager.default.fileExists(atPath: collections) {
            let target = directory + "/galaxy-collections"
            let result = try await Command.run(
                .path(.init(galaxy)), ["collection", "install", "-r", collections, "-p", target], environment: environment, workingDirectory: checkout)
            guard result.succeeded else { throw RunnerError("ansible-galaxy could not install collections/requirements.yml: \(result.lastLine)") }
            log += result.output
            added["ANSIBLE_COLLECTIONS_PATH"] = [target, environment["ANSIBLE_COLLECTIONS_PATH"]].compactMap { $0 }.joined(separator: ":")
        }
        return (added, log)
    }
}
