import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The lock a process holds on each of its run directories (an `flock` on a file inside)
/// for as long as the run lasts, so that a process starting later tells the leftovers of
/// a process that died from the runs of a live one: several processes may share a runs
/// directory (every process started from one folder gets the default `var/runs`), and a
/// start that swept a live neighbour's run would kill its job. The kernel lets go of the
/// lock when its process dies, however it dies; the run's children never hold it (the
/// descriptor is closed on exec).
struct RunDirectoryLock: Sendable {
    /// The file in a run directory that its process holds locked.
    static let fileName = "owner.lock"

    private let descriptor: Int32

    /// Takes the lock of `directory`, creating its file when missing (a directory made
    /// before run directories had locks has no live owner either). Nil while another
    /// process (or another run of this one) holds it.
    static func take(_ directory: String) throws -> RunDirectoryLock? {
        let path = directory + "/" + fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RunnerError("could not open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(descriptor)
            if error == EWOULDBLOCK { return nil }
            throw RunnerError("could not lock \(path): \(String(cString: strerror(error)))")
        }
        return RunDirectoryLock(descriptor: descriptor)
    }

    /// Takes the lock of `directory`, waiting while another run holds it, for `limit` at
    /// most: a cache that runs share (a git mirror, installed requirements) is filled by
    /// one run at a time.
    static func wait(for directory: String, limit: Duration) async throws -> RunDirectoryLock {
        let deadline = ContinuousClock.now + limit
        while true {
            if let lock = try take(directory) { return lock }
            guard ContinuousClock.now < deadline else {
                throw RunnerError("\(directory) stayed locked by another run for \(limit.components.seconds) s")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Lets go of the lock; call once the directory is removed.
    func release() {
        close(descriptor)
    }
}
