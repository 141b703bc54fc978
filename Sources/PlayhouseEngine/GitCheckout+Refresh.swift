import Foundation
public import PlayhouseCore

extension GitCheckout {
    /// Fetches the mirror of `source` beside the run directories of `runsDirectory` now, as a
    /// run of its branch would (making the mirror when there is none), and says what the
    /// mirror holds afterwards. A pinned ``GitSource/commit`` is ignored: a refresh follows
    /// the branch.
    ///
    /// The fetch goes through a checkout into a throwaway run directory, the way a run's
    /// does, so that it authenticates and verifies hosts exactly as runs do.
    ///
    /// - Returns: The mirror's state, whose ``MirrorState/error`` says why the fetch failed
    ///   (also when it failed before git could try: a credential that cannot be used, a
    ///   refused host key); and the SSH host keys the fetch trusted on first sight, as
    ///   ``RunUpdate/learnedHostKeys(_:)`` has them, when the source had none.
    public static func refresh(_ source: GitSource, runsDirectory: String) async -> (state: MirrorState, learnedHostKeys: String?) {
        var branch = source
        branch.commit = nil
        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? runsDirectory,
        ]
        let started = Date()
        var failure: String? = nil
        var learned: String? = nil
        do {
            learned = try await JobDirectory.with(in: runsDirectory) { directory in
                let sweep = ProcessSweep(directory: directory)
                defer { sweep.signal(SIGTERM) }
                return try await clone(
                    branch, in: directory, environment: environment.merging([ProcessSweep.variable: sweep.marker]) { $1 }
                )
                .learnedHostKeys
            }
        } catch let error as RunnerError {
            failure = error.message
        } catch {
            failure = "\(error)"
        }
        var state =
            await GitMirror.state(of: branch, mirrors: GitMirror.folder(in: runsDirectory), environment: environment)
            ?? MirrorState(branch: source.branch, fetchedAt: nil, commit: nil, error: nil)
        // A failure before the fetch (the ssh agent, the run directory) leaves no mark.
        if let failure, (state.fetchedAt ?? .distantPast) < started || state.error == nil {
            state.fetchedAt = Date()
            state.error = failure
        }
        return (state, learned)
    }
}
