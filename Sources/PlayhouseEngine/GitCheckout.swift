import Foundation
public import PlayhouseCore
import Subprocess

/// Where a run's project comes from when it is a git repository.
///
/// Set it as ``PlaybookRunRequest/git``: each run then checks the branch (or the pinned
/// commit) out into its private directory from the repository's mirror beside the run
/// directories (``GitMirror``, fetched as the run needs), reports the commit as
/// ``RunUpdate/checkout(commit:)``, installs the checkout's galaxy requirements and runs
/// there; the checkout goes with the run directory. Over SSH, the server's host key must be
/// one of ``knownHosts``; without them, the key first seen is trusted and reported.
public struct GitSource: Sendable, Equatable {
    /// The repository, as `git clone` takes it (`https://…`, `ssh://…`, `git@host:path`).
    /// A password written into it is replaced by asterisks in messages.
    public var url: String
    /// The branch to check out (a tag works too): its newest commit, as the mirror fetched it.
    public var branch: String
    /// How the clone authenticates; nil for a repository the machine's user can already
    /// read (a public one, or one its own SSH agent opens).
    public var credential: Credential?
    /// A commit to check out instead of the branch's newest (a full id, 40 or 64 hex
    /// digits): fetched into the mirror with every branch and tag when the mirror lacks it,
    /// and the run fails when no branch or tag of the remote holds it.
    public var commit: String?
    /// The SSH host keys the clone trusts, as `known_hosts` text (``KnownHosts/text``): a
    /// server whose key is not among them is refused with ``HostKeyRefusal``. Nil or empty
    /// for none yet: the clone then trusts the key it first sees and reports it
    /// (``RunUpdate/learnedHostKeys(_:)``), for the next clones to check. Only SSH URLs
    /// read them.
    public var knownHosts: String?

    /// How the clone authenticates. Its secrets are masked in what the clone and the run
    /// print.
    public enum Credential: Sendable, Equatable {
        /// HTTPS: the answers to git's username and password prompts, given through
        /// `GIT_ASKPASS` from 0600 files of the run directory.
        case password(username: String, password: String)
        /// SSH: a private key (and its passphrase, if it has one), added to an `ssh-agent`
        /// started for the clone and stopped after it.
        case sshKey(key: String, passphrase: String?)
    }

    /// A git project to clone.
    ///
    /// - Parameters:
    ///   - url: The repository, as `git clone` takes it.
    ///   - branch: The branch (or tag) to clone.
    ///   - credential: How to authenticate; nil for none.
    ///   - commit: The commit to check out; nil for the branch's newest.
    ///   - knownHosts: The SSH host keys to trust; nil to trust the first ones seen.
    public init(url: String, branch: String, credential: Credential? = nil, commit: String? = nil, knownHosts: String? = nil) {
        self.url = url
        self.branch = branch
        self.credential = credential
        self.commit = commit
        self.knownHosts = knownHosts
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
    var displayURL: String { GitRemote.display(url) }
}

/// Clones a git project's branch into a run directory and says which commit it got.
///
/// Runs clone through ``PlaybookRunRequest/git``; ``contents(of:runsDirectory:)`` lists
/// what a repository holds without running anything, for a launcher to choose from.
public enum GitCheckout {
    /// What a git source holds: a checkout of its mirror into a throwaway run directory under
    /// `runsDirectory`, its playbooks and inventory files listed, the clone removed.
    ///
    /// - Parameters:
    ///   - source: The repository, branch and credential to clone with.
    ///   - runsDirectory: Where the throwaway run directory is made (created when missing).
    /// - Returns: Paths inside the repository, sorted, found as
    ///   ``ProjectCatalog/playbooks(in:)`` and ``ProjectCatalog/inventoryFiles(in:)`` find
    ///   them in a project folder; and the SSH host keys the clone trusted on first sight
    ///   when the source had none (as ``RunUpdate/learnedHostKeys(_:)`` reports them for a run).
    /// - Throws: ``HostKeyRefusal`` when the server's SSH host key is not among the source's
    ///   ``GitSource/knownHosts``. ``RunnerError`` when the clone fails otherwise: it names
    ///   the URL without its password and quotes git's last line, the credential's secrets
    ///   masked. Other errors when the throwaway run directory cannot be made.
    public static func contents(
        of source: GitSource, runsDirectory: String
    ) async throws -> (contents: ProjectContents, learnedHostKeys: String?) {
        try await JobDirectory.with(in: runsDirectory) { directory in
            let sweep = ProcessSweep(directory: directory)
            defer { sweep.signal(SIGTERM) }
            let environment = [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                "HOME": ProcessInfo.processInfo.environment["HOME"] ?? directory,
                ProcessSweep.variable: sweep.marker,
            ]
            let cloned = try await clone(source, in: directory, environment: environment)
            let catalog = ProjectCatalog(root: directory)
            let contents = ProjectContents(
                playbooks: try catalog.playbooks(in: "project"), inventories: try catalog.inventoryFiles(in: "project"),
                workflows: try catalog.workflowFiles(in: "project"))
            return (contents, cloned.learnedHostKeys)
        }
    }

    /// Checks `source` out into `directory/project` from its mirror beside the run
    /// directories (``GitMirror``), at the branch's newest commit or the pinned one, and
    /// returns the commit, what the run should be told (a fetch that failed) and the SSH
    /// host keys it trusted on first sight (``GitHostKeys``). `environment` is the run's own
    /// (its sweep marker, PATH, HOME).
    static func clone(
        _ source: GitSource, in directory: String, environment base: [String: String]
    ) async throws -> (commit: String, note: String?, learnedHostKeys: String?) {
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
        environment["GIT_SSH_COMMAND"] = try GitHostKeys.sshCommand(for: source, in: directory)
        let checkout = directory + "/project"
        let mirrors = URL(fileURLWithPath: directory).deletingLastPathComponent().path + "/" + GitMirror.folder
        let note = try await GitMirror.checkOut(source, mirrors: mirrors, into: checkout, environment: environment)
        let head = try await Command.run(.name("git"), ["-C", checkout, "rev-parse", "HEAD"], environment: environment)
        let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard head.succeeded, !commit.isEmpty else { throw RunnerError("git did not say which commit it cloned: \(head.lastLine)") }
        return (commit, note, GitHostKeys.learned(by: source, in: directory))
    }
}
