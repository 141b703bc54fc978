import Hummingbird
import PlayhouseStore

/// Counts every answer by route pattern (`/api/v1/jobs/{id}`, not each id), method and
/// status, with its time, into the store's metrics.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: PlayhouseMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let status: Int
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            record(request, context, status, started)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context, Int(error.status.code), started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, _ status: Int, _ started: ContinuousClock.Instant) {
        // A path no route matched (a page, a typo) is one series, whatever it was.
        let route = context.endpointPath ?? "unmatched"
        metrics.answered(route: route, method: request.method.rawValue, status: status, after: started.duration(to: .now))
    }
}
