import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/workflows`, `/api/v1/workflow-jobs` and `/api/v1/approvals`: graphs of
/// templates, their runs, and the approvals waiting for people.
struct WorkflowRoutes: Sendable {
    let dependencies: ServerDependencies
    var store: Store { dependencies.store }
    var workflows: WorkflowService { WorkflowService(dependencies: dependencies) }

    func add(read: RouterGroup<PlayhouseContext>, operate: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        read.collection("workflows", list: .init(list), show: .init(show))
        read.get("workflows/:id/export", use: export)
        read.get("workflow-jobs", use: jobs)
        read.get("workflow-jobs/:id", use: job)
        read.get("workflow-jobs/:id/stream", use: stream)
        // Approving is not launching: whoever a node names may decide it, a viewer too.
        read.get("approvals", use: approvals)
        read.post("approvals/:id/approve", use: approve)
        read.post("approvals/:id/deny", use: deny)
        read.get("projects/:name/workflows", use: files)
        operate.post("workflows/:id/launch", use: launch)
        operate.post("projects/:name/workflows/:file/launch", use: launchFile)
        operate.post("workflow-jobs/:id/cancel", use: cancel)
        operate.post("workflow-jobs/:id/resume", use: resume)
        admin.collection("workflows", create: .init(create), update: .init(update), delete: .init(delete))
        admin.post("projects/:name/workflows/:file/import", use: importFile)
    }

    // MARK: Workflows

    /// The workflows whose every template the caller's grants reach.
    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<WorkflowResponse> {
        let access = try context.requireUser().access
        var visible: [WorkflowResponse] = []
        for workflow in try await store.workflows.list() where try await workflows.isVisible(workflow.definition, to: access) {
            visible.append(WorkflowResponse(workflow))
        }
        return RecordKind.workflow.list(visible)
    }

    @Sendable func show(_ request: Request, context: PlayhouseContext) async throws -> WorkflowResponse {
        WorkflowResponse(try await workflow(context))
    }

    @Sendable func create(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<WorkflowResponse> {
        let body = try await request.decode(as: WorkflowRequest.self, context: context)
        let definition = try await workflows.check(body.definition, saving: nil)
        let workflow = try await store.workflows.create(name: body.name, definition: definition)
        await dependencies.audit(context, .workflowCreate, target: RecordKind.workflow.target(workflow.id, workflow.name))
        return RecordKind.workflow.created(WorkflowResponse(workflow), id: workflow.id)
    }

    @Sendable func update(_ request: Request, context: PlayhouseContext) async throws -> WorkflowResponse {
        let id = try JobRoutes.id(context)
        let body = try await request.decode(as: WorkflowRequest.self, context: context)
        let definition = try await workflows.check(body.definition, saving: id)
        let workflow = try RecordKind.workflow.found(try await store.workflows.update(id, name: body.name, definition: definition), id)
        await dependencies.audit(context, .workflowUpdate, target: RecordKind.workflow.target(id, workflow.name))
        return WorkflowResponse(workflow)
    }

    @Sendable func delete(_ request: Request, context: PlayhouseContext) async throws -> Response {
        try await dependencies.delete(.workflow, context, audit: .workflowDelete, remove: store.workflows.delete)
    }

    /// The workflow as a file for a project's `workflows/` folder: YAML, templates and
    /// nested workflows named by name, so it reads the same in every installation.
    @Sendable func export(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let workflow = try await workflow(context)
        let text = try await WorkflowFiles(dependencies: dependencies).export(workflow)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/yaml; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(WorkflowFiles.fileName(for: workflow.name))\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `{"extra_vars", "limit", "inventory", "survey"}`: starts a run.
    @Sendable func launch(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<WorkflowJobResponse> {
        let workflow = try await workflow(context)
        let body = try await request.decode(as: WorkflowLaunchRequest.self, context: context)
        let source = WorkflowService.Source(workflow)
        let identity = try context.requireUser()
        return try await accepted(
            try await workflows.launch(source, input: body.input, by: identity, from: .init(context)), for: identity.user)
    }

    // MARK: Files

    /// The workflows of a project's `workflows/*.yml`, each with its graph or what is
    /// wrong with it.
    @Sendable func files(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<WorkflowFiles.Entry> {
        let project = try project(context)
        let user = try context.requireUser().user.name
        return ListResponse(key: "workflows", items: try await WorkflowFiles(dependencies: dependencies).list(project, user: user))
    }

    /// Launches `workflows/FILE` of a project, as a stored workflow launches.
    @Sendable func launchFile(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<WorkflowJobResponse> {
        let project = try project(context)
        let file = context.parameters.get("file") ?? ""
        let source = try await WorkflowFiles(dependencies: dependencies).source(
            project, file: file, user: try context.requireUser().user.name)
        let body = try await request.decode(as: WorkflowLaunchRequest.self, context: context)
        let identity = try context.requireUser()
        return try await accepted(
            try await workflows.launch(source, input: body.input, by: identity, from: .init(context)), for: identity.user)
    }

    /// Stores `workflows/FILE` of a project as a workflow of its own (named as in the file),
    /// to edit on the page from then on.
    @Sendable func importFile(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<WorkflowResponse> {
        let project = try project(context)
        let file = context.parameters.get("file") ?? ""
        let source = try await WorkflowFiles(dependencies: dependencies).source(
            project, file: file, user: try context.requireUser().user.name)
        let definition = try await workflows.check(source.definition, saving: nil)
        let workflow = try await store.workflows.create(name: source.name, definition: definition)
        await dependencies.audit(
            context, .workflowCreate, target: RecordKind.workflow.target(workflow.id, workflow.name), detail: "from \(source.file ?? file)")
        return RecordKind.workflow.created(WorkflowResponse(workflow), id: workflow.id)
    }

    // MARK: Runs

    /// Newest first, `before` and `limit` paging; narrowed by `workflow` (an id) and `status`.
    @Sendable func jobs(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<WorkflowJobFields> {
        let query = request.uri.queryParameters
        let limit = try JobRoutes.integer(request, "limit", default: 50, range: 1...500)
        let before = try JobRoutes.before(request, "a workflow job id")
        var workflowID: Int64?
        if let text = query["workflow"].map(String.init), !text.isEmpty {
            guard let id = Int64(text), id > 0 else { throw APIError(.badRequest, "workflow must be a workflow id") }
            workflowID = id
        }
        var status: JobStatus?
        if let text = query["status"].map(String.init), !text.isEmpty {
            guard let value = JobStatus(rawValue: text) else {
                throw APIError(
                    .badRequest, "unknown status \"\(text.prefix(50))\"",
                    detail: "use one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = value
        }
        let access = try context.requireUser().access
        let page = try await store.workflows.jobs(workflowID: workflowID, status: status, limit: limit, before: before)
        var visible: [WorkflowJobFields] = []
        for job in page where try await workflows.isVisible(job.definition, to: access) { visible.append(WorkflowJobFields(job)) }
        return ListResponse(key: "workflow_jobs", items: visible, next: .before(page.count == limit ? page.last?.id : nil))
    }

    @Sendable func job(_ request: Request, context: PlayhouseContext) async throws -> WorkflowJobResponse {
        let identity = try context.requireUser()
        return try await response(try await workflows.visibleJob(try JobRoutes.id(context), to: identity), for: identity.user)
    }

    /// `event: workflow` with the whole run each time it changes, then `event: end`.
    @Sendable func stream(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let identity = try context.requireUser()
        let id = try JobRoutes.id(context)
        _ = try await workflows.visibleJob(id, to: identity)
        let permit = try dependencies.work.permit(user: identity.user.name, kind: .stream)
        let routes = self
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: ResponseBody { writer in
                defer { permit.release() }
                let wakes = routes.store.notifications.subscribe(to: [.workflows, .heartbeat])
                var iterator = wakes.makeAsyncIterator()
                var sent = ""
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                while let job = try await routes.store.workflows.job(id) {
                    let json = EventStream.json(try await routes.response(job, for: identity.user))
                    if json != sent {
                        try await writer.write(ByteBuffer(string: "event: workflow\ndata: \(json)\n\n"))
                        sent = json
                    }
                    if job.status.isFinal {
                        try await writer.write(ByteBuffer(string: "event: end\ndata: {\"status\":\"\(job.status.rawValue)\"}\n\n"))
                        break
                    }
                    guard let wake = await iterator.next() else { break }
                    if wake == .heartbeat { try await writer.write(ByteBuffer(string: ": heartbeat\n\n")) }
                }
                try await writer.finish(nil)
            })
    }

    @Sendable func cancel(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<WorkflowJobResponse> {
        let identity = try context.requireUser()
        let job = try await workflows.cancel(try JobRoutes.id(context), by: identity, from: .init(context))
        return EditedResponse(status: .accepted, response: try await response(job, for: identity.user))
    }

    /// `{"hosts": "all"|"failed"}`: a new run that keeps the successful nodes.
    @Sendable func resume(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<WorkflowJobResponse> {
        let hosts = try await request.decode(as: RelaunchRequest.self, context: context).hosts
        let identity = try context.requireUser()
        return try await accepted(
            try await workflows.resume(try JobRoutes.id(context), hosts: hosts, by: identity, from: .init(context)), for: identity.user)
    }

    // MARK: Approvals

    /// The approvals waiting for the caller: those naming them or one of their teams.
    @Sendable func approvals(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<ApprovalResponse> {
        let user = try context.requireUser().user
        let waiting = try await store.workflows.waitingApprovals().compactMap { node, job -> ApprovalResponse? in
            guard let rule = job.definition.node(node.node)?.approval, rule.allows(user: user.name, memberOf: user.teams) else {
                return nil
            }
            return ApprovalResponse(node, in: job, rule: rule)
        }
        return ListResponse(key: "approvals", items: waiting)
    }

    @Sendable func approve(_ request: Request, context: PlayhouseContext) async throws -> WorkflowNodeResponse {
        try await decide(context, approve: true)
    }

    @Sendable func deny(_ request: Request, context: PlayhouseContext) async throws -> WorkflowNodeResponse {
        try await decide(context, approve: false)
    }

    private func decide(_ context: PlayhouseContext, approve: Bool) async throws -> WorkflowNodeResponse {
        let identity = try context.requireUser()
        let node = try await workflows.decide(try JobRoutes.id(context), approve: approve, by: identity, from: .init(context))
        guard let job = try await store.workflows.job(node.workflowJobID) else { throw RecordKind.approval.notFound(node.id) }
        return WorkflowNodeResponse(node, in: job, job: nil, viewer: identity.user)
    }

    // MARK: Helpers

    /// The workflow in the path, if the caller sees it.
    private func workflow(_ context: PlayhouseContext) async throws -> Workflow {
        let id = try JobRoutes.id(context)
        let access = try context.requireUser().access
        guard let workflow = try await store.workflows.find(id), try await workflows.isVisible(workflow.definition, to: access) else {
            throw RecordKind.workflow.notFound(id)
        }
        return workflow
    }

    /// The project in the path, if the caller's grants reach it.
    private func project(_ context: PlayhouseContext) throws -> String {
        let name = context.parameters.get("name") ?? ""
        guard try context.requireUser().access.allows(project: name) else { throw APIError.notFound("project \"\(name.prefix(100))\"") }
        return name
    }

    /// The run with its nodes, the status of each node's job, and what `viewer` may decide.
    func response(_ job: WorkflowJob, for viewer: User) async throws -> WorkflowJobResponse {
        let nodes = try await store.workflows.nodes(of: job.id)
        var jobs: [Int64: Job] = [:]
        for id in nodes.compactMap(\.jobID) { jobs[id] = try await store.jobs.find(id) }
        return WorkflowJobResponse(job, nodes: nodes, jobs: jobs, viewer: viewer)
    }

    /// 202 with the new run, and where to find it.
    func accepted(_ job: WorkflowJob, for viewer: User) async throws -> EditedResponse<WorkflowJobResponse> {
        EditedResponse(
            status: .accepted, headers: [.location: "/api/v1/workflow-jobs/\(job.id)"], response: try await response(job, for: viewer))
    }
}
