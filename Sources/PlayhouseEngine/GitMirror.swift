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
            if !fetched.succeeded {
                let reason = mask.apply(fetched.lastLine)
                // A host that may not be the repository's: never run what the mirror has instead.
                if let refusal = HostKeyRefusal.read(fetched.errors) {
                    if fresh { try? FileManager.default.removeItem(atPath: mirror) }
                    throw refusal
                }
                if fresh {
                    try? FileManager.default.removeItem(atPath: mirror)
                    throw RunnerError("git could not clone \(source.displayURL) (branch \(source.branch)): \(reason)")
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

    /// A branch always wants the remote's newest commit; a pinned commit only when the
    /// mirror lacks it.
    private static func needsFetch(_ source: GitSource, mirror: String, environment: [String: String]) async throws -> Bool {
        guard let commit = source.commit else { return true }
        let has = try await Command.run(
            .name("git"), ["-C", mirror, "cat-file", "-e", commit + "^{commit}"], environment: environment)
        return !has.succeeded
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
