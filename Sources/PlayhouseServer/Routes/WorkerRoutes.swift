import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/workers`: the processes that run jobs, and how they are; `/api/v1/queue`: the
/// jobs waiting for them, and why.
struct WorkerRoutes: Sendable {
    let dependencies: ServerDependencies

    struct WorkerResponse: Codable, Sendable {
        var name: String
        var host: String
        var capacity: Int
        var state: String
        var runningJobs: Int
        var startedAt: String
        var lastHeartbeat: String
        var groups: [String]
        var capacityForks: Int
        var usedForks: Int

        init(_ worker: WorkerInfo) {
            name = worker.name
            host = worker.host
            capacity = worker.capacity
            state = worker.state.rawValue
            runningJobs = worker.runningJobs
            startedAt = Timestamp.format(worker.startedAt)
            lastHeartbeat = Timestamp.format(worker.lastHeartbeat)
            groups = worker.groups
            capacityForks = worker.capacityForks
            usedForks = worker.usedForks
        }

        enum CodingKeys: String, CodingKey {
            case name, host, capacity, state
            case runningJobs = "running_jobs"
            case startedAt = "started_at"
            case lastHeartbeat = "last_heartbeat"
            case groups
            case capacityForks = "capacity_forks"
            case usedForks = "used_forks"
        }
    }

    /// A queued job as the queue shows it: where it may run, what it weighs, and why it waits.
    struct QueuedJobResponse: Encodable, Sendable {
        var id: Int64
        var project: String
        var playbook: String
        @ExplicitNull var templateID: Int64?
        var priority: Int
        var workerGroups: [String]
        var weight: Int
        var createdAt: String
        /// What the job says (its environment is being built, no worker of its groups is
        /// active), else what the workers tell (no free slot, no room); null when it is
        /// next in line, or behind jobs that go first.
        @ExplicitNull var waitingReason: String?

        init(_ job: Job, workers: [WorkerInfo]) {
            id = job.id
            project = job.parameters.project
            playbook = job.parameters.playbook
            templateID = job.parameters.templateID
            priority = job.parameters.priority ?? 0
            workerGroups = job.workerGroups
            weight = job.weight
            createdAt = Timestamp.format(job.createdAt)
            waitingReason = job.waitingReason ?? QueueWait.of(groups: job.workerGroups, weight: job.weight, workers: workers)?.message
        }

        enum CodingKeys: String, CodingKey {
            case id, project, playbook, priority, weight
            case templateID = "template_id"
            case workerGroups = "worker_groups"
            case createdAt = "created_at"
            case waitingReason = "waiting_reason"
        }
    }

    func add(read group: RouterGroup<PlayhouseContext>) {
        group.get("workers") { _, _ in
            ListResponse(
                key: "workers", items: try await dependencies.store.workers.list(lease: dependencies.lease).map(WorkerResponse.init))
        }
        group.get("queue") { _, context in
            let access = try context.requireUser().access
            let workers = try await dependencies.store.workers.list(lease: dependencies.lease)
            let jobs = try await dependencies.store.jobs.queued().filter { access.allows(project: $0.parameters.project) }
            return ListResponse(key: "jobs", items: jobs.map { QueuedJobResponse($0, workers: workers) })
        }
    }
}
