import ArgumentParser
import Foundation

/// What a command prints of a job it launched, relaunched or was asked to follow: the job
/// (text or JSON), or with `--follow` its log live and then its end, exiting with the
/// status's code.
struct JobReport {
    var options: ClientOptions
    var settings: ClientSettings

    /// Prints `job` as launched; follows it to its end when `follow` is set.
    func launched(_ job: Components.Schemas.Job, follow: Bool) async throws {
        guard follow else {
            if options.output == .json {
                try JSONOutput.print(job)
            } else {
                Terminal.out("job #\(job.id) \(job.status.rawValue): \(link(job.id))\n")
            }
            return
        }
        Terminal.note("job #\(job.id) \(job.status.rawValue): \(link(job.id))")
        try await self.follow(job.id)
    }

    /// Prints the job's log from line `afterLine + 1` live to its end, then exits with the
    /// status's code.
    func follow(_ id: Int, afterLine: Int = 0) async throws {
        let json = options.output == .json
        let follower = JobFollower(settings: settings, jobID: id, colours: options.colours) { text in
            if json {
                FileHandle.standardError.write(Data(text.utf8))
            } else {
                Terminal.out(text)
            }
        }
        let job = try await follower.follow(afterLine: afterLine)
        if json {
            try JSONOutput.print(job)
        } else if job.status != .successful {
            Terminal.note("job #\(job.id) ended \(job.status.rawValue)\(job.error.map { ": \($0)" } ?? "")")
        }
        let code = RunStatus.exitCode(job.status.rawValue)
        if code != 0 { throw ExitCode(code) }
    }

    /// The job's page.
    func link(_ id: Int) -> String { "\(settings.url)/jobs/\(id)" }
}
