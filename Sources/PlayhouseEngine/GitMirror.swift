import Foundation
import PlayhouseCore
import Subprocess

/// One bare mirror per repository, kept in `git-mirrors` beside the run directories and
/// shared by every run of every process using that runs directory: a run fetches into it
/// (under a lock, so parallel runs share one fetch) and then clones from it locally, with
/// hard links, which takes a fraction of a second however big the history is.
///
/// A run of a branch fetches first, to run the branch's newest commit; when the remote
/// cannot be reached it runs the commit the mirror fetched last, and says so; one whose SSH
/// host key is refused (``HostKeyRefusal``) runs nothing. A run of a pinned commit the
/// mirror already holds makes no network call at all.
enum GitMirror {
    static let folder = "git-mirrors"
    /// How long a run waits for another run's fetch of the same mirror.
    static let lockWait: Duration = .seconds(600)

    /// The mirror of `source`, brought up to date as the run needs, and what the run
    /// should be told about it (a fetch that failed); `checkout` then gets a local clone at
    /// the branch's newest commit or at the pinned one.
    static func checkOut(
        _ source: GitSource, mirrors: String, into checkout: String, environment: [String: String]
    ) async throws -> String? {
        let home = mirrors + "/" + key(source)
        // Private repositories are kept here: readable by Playhouse's user only, as run
        // directories are.
        try FileManager.default.createDirectory(atPath: mirrors, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let lock = try await RunDirectoryLock.wait(for: home, limit: lockWait)
        defer { lock.release() }
        let mirror = home + "/mirror.git"
        let mask = SecretMask(secrets: source.secrets)
        // Made with init and fetch rather than clone --mirror, which would keep the URL (and
        // a password written into it) in the mirror's config.
        let fresh = !FileManager.default.fileExists(atPath: mirror + "/HEAD")
        if fresh {
            let made = try await Command.run(.name("git"), ["init", "--quiet", "--bare", mirror], environment: environment)
            guard made.succeeded else { throw RunnerError("git could not make the mirror \(mirror): \(made.lastLine)") }
        }
        var note: String? = nil
        let fetch = try await fresh ? true : needsFetch(source, mirror: mirror, environment: environment)
        if fetch {
            let fetched = try await Command.run(
                .name("git"),
                [
                    "-C", mirror, "-c", "gc.autoDetach=false", "-c", "maintenance.autoDetach=false", "fetch", "--quiet", "--prune", "--",
                    source.url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*",
                ],
                environment: environment)
            let reason: String? = fetched.succeeded ? nil : mask.apply(fetched.lastLine) as String
            let refusal = fetched.succeeded ? nil : HostKeyRefusal.read(fetched.errors)
            markFetch(in: home, error: refusal?.problem ?? reason.map { "could not fetch \(source.displayURL): \($0)" })
            if let reason {
                // A host that may not be the repository's: never run what the mirror has instead.
                if let refusal {
                    if fresh { try? FileManager.default.removeItem(atPath: mirror) }
                    throw refusal
                }
                if fresh {
                    try? FileManager.default.removeItem(atPath: mirror)
                    throw RunnerError("git could not clone \(source.displayURL) (branch \(source.branch)): \(reason)")
                }
                // A server that answered (the repository gone, the credential refused) is no
                // outage to ride out: running last week's commit would hide it.
                guard isUnreachable(fetched.errors, url: source.url) else {
                    throw RunnerError(
                        "git could not fetch \(source.displayURL) (branch \(source.branch)): \(reason); the server answered, so "
                            + "nothing was run from the mirror's older commits: fix the repository or its credential")
                }
                note = "could not fetch \(source.displayURL) (\(reason)); ran what the mirror fetched before"
            }
        }
        if let commit = source.commit {
            let cloned = try await Command.run(
                .name("git"), ["clone", "--quiet", "--local", "--no-checkout", "--", mirror, checkout], environment: environment)
            guard cloned.succeeded else { throw RunnerError("git could not clone the mirror of \(source.displayURL): \(cloned.lastLine)") }
            let checkedOut = try await Command.run(
                .name("git"), ["-C", checkout, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit],
                environment: environment)
            guard checkedOut.succeeded else {
                let why = note.map { "; \($0)" } ?? ""
                throw RunnerError("commit \(commit) is not on \(source.displayURL) (it may have been force-pushed away)\(why)")
            }
        } else {
            let cloned = try await Command.run(
                .name("git"), ["clone", "--quiet", "--local", "--branch", source.branch, "--", mirror, checkout], environment: environment)
            guard cloned.succeeded else {
                let why = note.map { "; \($0)" } ?? ""
                throw RunnerError("git could not clone \(source.displayURL) (branch \(source.branch)): \(cloned.lastLine)\(why)")
            }
        }
        return note
    }

    /// Whether git's errors say the remote could not be reached at all (its name, its
    /// network, its port, a gateway in front of it), rather than that it answered with a
    /// refusal. A `file://` repository that is not there is storage that is away.
    static func isUnreachable(_ errors: String, url: String) -> Bool {
        let text = errors.lowercased()
        let outages = [
            "could not resolve host", "could not resolve hostname", "temporary failure in name resolution",
            "name or service not known", "connection refused", "timed out", "failed to connect", "network is unreachable",
            "no route to host", "connection reset", "the requested url returned error: 502", "the requested url returned error: 503",
            "the requested url returned error: 504",
        ]
        if outages.contains(where: text.contains) { return true }
        return url.hasPrefix("file://") && text.contains("does not appear to be a git repository")
    }

    /// A branch always wants the remote's newest commit; a pinned commit only when the
    /// mirror lacks it.
    private static func needsFetch(_ source: GitSource, mirror: String, environment: [String: String]) async throws -> Bool {
        guard let commit = source.commit else { return true }
        let has = try await Command.run(
            .name("git"), ["-C", mirror, "cat-file", "-e", commit + "^{commit}"], environment: environment)
        return !has.succeeded
    }

    /// The folder of the mirrors beside the run directories of `runsDirectory`, as a run
    /// directory's checkout finds it (an absolute path, whatever `runsDirectory` was).
    static func folder(in runsDirectory: String) -> String {
        URL(fileURLWithPath: runsDirectory).path + "/" + folder
    }

    /// What the mirror of `source` under `mirrors` holds: its last fetch, as the fetch
    /// marked it beside the mirror, and the branch's commit in it; nil when there is no
    /// mirror of it here. Read without the lock: git moves refs atomically, and the mark is
    /// replaced whole.
    static func state(of source: GitSource, mirrors: String, environment: [String: String]) async -> MirrorState? {
        let home = mirrors + "/" + key(source)
        guard FileManager.default.fileExists(atPath: home) else { return nil }
        let mark = FileManager.default.contents(atPath: home + "/" + fetchMark).flatMap {
            try? JSONDecoder().decode(FetchMark.self, from: $0)
        }
        let resolved = try? await Command.run(
            .name("git"),
            ["-C", home + "/mirror.git", "rev-parse", "--verify", "--quiet", "--end-of-options", source.branch + "^{commit}"],
            environment: environment)
        let commit = resolved.flatMap { $0.succeeded ? $0.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil }
        return MirrorState(
            branch: source.branch, fetchedAt: mark.map { Date(timeIntervalSince1970: $0.at) }, commit: commit, error: mark?.error)
    }

    /// The file beside a mirror that says when it was last fetched, and why that failed.
    private static let fetchMark = "last-fetch.json"

    private struct FetchMark: Codable {
        var at: Double
        var error: String?
    }

    /// Marks a fetch of the mirror in `home`, replacing the mark whole. A mark that cannot be
    /// written only leaves the project's page a fetch behind: the run goes on.
    private static func markFetch(in home: String, error: String?) {
        guard let data = try? JSONEncoder().encode(FetchMark(at: Date().timeIntervalSince1970, error: error)) else { return }
        try? data.write(to: URL(fileURLWithPath: home + "/" + fetchMark), options: .atomic)
    }

    /// The mirror's folder name: a digest of the URL and the credential, so a project never
    /// runs what another fetched with other rights, and no password reaches the file system.
    static func key(_ source: GitSource) -> String {
        let credential: String =
            switch source.credential {
            case .password(let username, let password)?: "password\u{0}\(username)\u{0}\(password)"
            case .sshKey(let key, _)?: "ssh\u{0}\(key)"
            case nil: "none"
            }
        return Digest.hex(source.url + "\u{0}" + credential)
    }
}
