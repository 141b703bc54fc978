import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// A job's tasks, a row each with its counts, and each task's results on demand.
extension JobRoutes {
    @Sendable func tasks(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<TaskResponse> {
        let job = try await job(context)
        let after = try Self.integer(request, "after", default: 0, range: 0...Int(Int32.max))
        let limit = try Self.integer(request, "limit", default: 200, range: 1...1000)
        let tasks = try await dependencies.store.tasks.list(of: job.id, after: after, limit: limit)
        return ListResponse(key: "tasks", items: tasks.map(TaskResponse.init), next: .after(tasks.last?.seq ?? after))
    }

    @Sendable func taskResults(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<EventResponse> {
        let job = try await job(context)
        guard let text = context.parameters.get("seq"), let seq = Int(text), seq > 0,
            let task = try await dependencies.store.tasks.find(seq, of: job.id)
        else {
            throw APIError(
                .notFound, "job \(job.id) has no task starting at that seq", detail: "list its tasks with GET /api/v1/jobs/\(job.id)/tasks")
        }
        let after = try Self.integer(request, "after", default: 0, range: 0...Int(Int32.max))
        let limit = try Self.integer(request, "limit", default: 100, range: 1...1000)
        let events = try await dependencies.store.tasks.results(of: task, in: job.id, after: after, limit: limit)
        return ListResponse(key: "events", items: events.map(EventResponse.init), next: .after(events.last?.seq ?? after))
    }
}

/// A task as the API shows it: where it is, and what its hosts made of it.
struct TaskResponse: Encodable, Sendable {
    var seq: Int
    var play: String
    var name: String
    var handler: Bool
    /// About where its header is in the log (1-based).
    var line: Int
    var ok: Int
    var changed: Int
    var failed: Int
    var ignored: Int
    var skipped: Int
    var unreachable: Int
    var items: Int
    var failedItems: Int

    init(_ task: TaskRecord) {
        seq = task.seq
        play = task.play
        name = task.name
        handler = task.handler
        line = task.line + 1
        ok = task.counts.ok
        changed = task.counts.changed
        failed = task.counts.failed
        ignored = task.counts.ignored
        skipped = task.counts.skipped
        unreachable = task.counts.unreachable
        items = task.counts.items
        failedItems = task.counts.failedItems
    }

    enum CodingKeys: String, CodingKey {
        case seq, play, name, handler, line, ok, changed, failed, ignored, skipped, unreachable, items
        case failedItems = "failed_items"
    }
}
