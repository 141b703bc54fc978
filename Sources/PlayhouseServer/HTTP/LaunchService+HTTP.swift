import Hummingbird
import PlayhouseCore

/// A launch's HTTP side: where it came from, and the answer to a queued one.
extension JobResponse {
    /// 202 with the queued job, and where to find it.
    static func accepted(_ launched: LaunchService.Launched) -> EditedResponse<JobResponse> {
        EditedResponse(
            status: .accepted, headers: [.location: "/api/v1/jobs/\(launched.job.id)"],
            response: JobResponse(launched.job, slices: launched.slices))
    }
}

extension LaunchService.Origin {
    /// A launch a person sent in `context`'s request, or through a way `via` (a webhook).
    init(_ context: PlayhouseContext, via: String? = nil) {
        self.init(source: context.remoteAddress, via: via, logger: context.logger)
    }
}

extension ServerDependencies {
    /// The launch service over these dependencies.
    var launches: LaunchService { LaunchService(dependencies: self) }
}
