import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/jobs`: launch, read, page through events, stream, cancel; the log is in
/// `JobRoutes+Output.swift`.
struct JobRoutes: Sendable {
    let dependencies: ServerDependencies
    let frames: EventFrames

    init(dependencies: ServerDependencies) {
        self.dependencies = dependencies
        frames = EventFrames(store: dependencies.store)
    }

    func add(read: RouterGroup<PlayhouseContext>, operate: RouterGroup<PlayhouseContext>) {
        read.get("jobs", use: list)
        read.get("jobs/:id", use: show)
        read.get("jobs/:id/events", use: events)
        read.get("jobs/:id/stream", use: stream)
        read.get("jobs/:id/stdout", use: stdout)
        read.get("jobs/:id/search", use: search)
        read.get("jobs/:id/tasks", use: tasks)
        read.get("jobs/:id/tasks/:seq/results", use: taskResults)
        operate.post("jobs", use: launch)
        operate.post("jobs/:id/cancel", use: cancel)
        operate.post("jobs/:id/relaunch", use: relaunch)
    }

    @Sendable func launch(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<JobResponse> {
        let identity = try context.requireUser()
        let parameters = try await request.decode(as: LaunchRequest.self, context: context).parameters
        return JobResponse.accepted(try await dependencies.launches.launch(parameters, by: identity, from: .init(context)))
    }

    /// `{"hosts": "all"|"failed"}` (default all): the same parameters again, launched by
    /// the caller; `failed` limits the run to the hosts that failed or were unreachable.
    @Sendable func relaunch(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<JobResponse> {
        let identity = try context.requireUser()
        let original = try await job(context)
        let hosts = try await request.decode(as: RelaunchRequest.self, context: context).hosts
        return JobResponse.accepted(try await dependencies.launches.relaunch(original, hosts: hosts, by: identity, from: .init(context)))
    }

    /// Newest first, `before` and `limit` paging; narrowed by `status`, `project`,
    /// `playbook`, `template`, `launched_by`, `host`, `since`/`until` (dates) and `q`, words
    /// of what ran (task names, hosts, failure messages).
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<JobResponse> {
        let query = request.uri.queryParameters
        func text(_ key: String) throws -> String? {
            guard let value = query[Substring(key)].map(String.init), !value.isEmpty else { return nil }
            guard value.count <= 200 else { throw APIError(.badRequest, "\(key) is too long", detail: "send at most 200 characters") }
            return value
        }
        var filter = JobFilter()
        if let status = try text("status") {
            guard let value = JobStatus(rawValue: status) else {
                throw APIError(
                    .badRequest, "unknown status \"\(status)\"",
                    detail: "use one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.status = value
        }
        filter.project = try text("project")
        filter.playbook = try text("playbook")
        filter.launchedBy = try text("launched_by")
        filter.host = try text("host")
        filter.text = try text("q")
        if let template = try text("template") {
            guard let id = Int64(template), id > 0 else { throw APIError(.badRequest, "template must be a template id") }
            filter.templateID = id
        }
        filter.createdAfter = try Self.date(text("since"), "since")
        filter.createdBefore = try Self.date(text("until"), "until")
        let limit = try Self.integer(request, "limit", default: 50, range: 1...500)
        let before = try Self.before(request, "a job id")
        filter.projects = try context.requireUser().access.seenProjects
        let jobs = try await dependencies.store.jobs.list(filter, limit: limit, before: before)
        return ListResponse(key: "jobs", items: jobs.map { JobResponse($0) }, next: .before(jobs.count == limit ? jobs.last?.id : nil))
    }

    /// A date (`2026-11-30`, the start of that day in UTC) or a time (RFC 3339).
    static func date(_ text: String?, _ key: String) throws -> Date? {
        guard let text else { return nil }
        if let time = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return time }
        if let time = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return time }
        if let day = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) { return day }
        throw APIError(.badRequest, "\(key) must be a date or a time", detail: "send 2026-11-30 or 2026-11-30T12:00:00Z")
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> JobResponse {
        let job = try await job(context)
        guard job.sliceCount > 0 else { return JobResponse(job) }
        return JobResponse(job, slices: try await dependencies.store.jobs.slices(of: job.id).map(\.id))
    }

    @Sendable func events(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<EventResponse> {
        let job = try await job(context)
        let after = try Self.integer(request, "after", default: 0, range: 0...Int(Int32.max))
        let limit = try Self.integer(request, "limit", default: 500, range: 1...5000)
        let events = try await dependencies.store.events.list(of: job.id, after: after, limit: limit)
        return ListResponse(key: "events", items: events.map(EventResponse.init), next: .after(events.last?.seq ?? after))
    }

    /// `after` (the last seq the client has) or `Last-Event-ID`; `output=true` adds the log
    /// from line `after_line` (the lines the client has); `events=false` leaves events out.
    @Sendable func stream(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let job = try await job(context)
        let output = try Self.flag(request, "output", default: false)
        var stream = EventStream(store: dependencies.store, frames: frames, jobID: job.id)
        stream.options.events = try Self.flag(request, "events", default: true)
        let afterLine = try Self.integer(request, "after_line", default: 0, range: 0...Int(Int32.max))
        var cursor = EventStream.Cursor(
            seq: try Self.integer(request, "after", default: 0, range: 0...Int(Int32.max)), line: output ? afterLine : nil)
        if let header = request.headers[.init("Last-Event-ID")!], let resumed = EventStream.Cursor(lastEventID: header) {
            // An id from a stream without output says nothing about lines: those come from the query.
            cursor = EventStream.Cursor(seq: resumed.seq, line: output ? resumed.line ?? cursor.line : nil)
        }
        // Taken before the answer starts, so a refusal is still a 429; held until the
        // stream ends, which for a client that went away is at the next heartbeat.
        let permit = try dependencies.work.permit(user: try context.requireUser().user.name, kind: .stream)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8",
                .cacheControl: "no-cache",
                .init("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { [cursor, stream] writer in
                defer { permit.release() }
                try await stream.write(from: cursor, to: &writer)
                // The end of the answer: a client on a kept-alive connection would wait for it.
                try await writer.finish(nil)
            })
    }

    @Sendable func cancel(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<JobResponse> {
        let id = try Self.id(context)
        _ = try await job(context)
        guard let job = try await dependencies.store.jobs.requestCancel(id) else { throw APIError.notFound("job \(id)") }
        if job.status.isFinal && job.status != .canceled && !job.cancelRequested {
            throw APIError(
                .conflict, "job \(id) has already ended (\(job.status.rawValue))", detail: "only queued or running jobs can be canceled")
        }
        await dependencies.audit(context, .jobCancel, target: "job \(id)")
        return EditedResponse(status: .accepted, response: JobResponse(job))
    }

    /// The job in the path, if the caller's grants reach its project (else it is not found).
    func job(_ context: PlayhouseContext) async throws -> Job {
        let id = try Self.id(context)
        let access = try context.requireUser().access
        guard let job = try await dependencies.store.jobs.find(id), access.allows(project: job.parameters.project) else {
            throw APIError.notFound("job \(id)")
        }
        return job
    }

    static func id(_ context: PlayhouseContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw APIError(.badRequest, "the id in the path must be a positive number")
        }
        return id
    }

    /// The `before` query parameter of a listing paged newest first: the id of `what` (a
    /// job id, an audit entry id) where the previous page ended.
    static func before(_ request: Request, _ what: String) throws -> Int64? {
        try request.uri.queryParameters["before"].map { text -> Int64 in
            guard let value = Int64(text), value > 0 else { throw APIError(.badRequest, "before must be \(what)") }
            return value
        }
    }

    /// A `true`/`false` query parameter; left out, `value`.
    static func flag(_ request: Request, _ key: String, default value: Bool) throws -> Bool {
        switch request.uri.queryParameters[Substring(key)] {
        case nil: value
        case "true": true
        case "false": false
        default: throw APIError(.badRequest, "\(key) must be true or false")
        }
    }

    /// A whole-number query parameter in `range`; left out, `value` (sent empty, it is no number).
    static func integer(_ request: Request, _ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(key)].map(String.init) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(.badRequest, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
