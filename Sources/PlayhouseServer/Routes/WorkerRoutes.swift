import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/workers`: the processes that run jobs, and how they are.
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

        init(_ worker: WorkerInfo) {
            name = worker.name
            host = worker.host
            capacity = worker.capacity
            state = worker.state.rawValue
            runningJobs = worker.runningJobs
            startedAt = Timestamp.format(worker.startedAt)
            lastHeartbeat = Timestamp.format(worker.lastHeartbeat)
        }

        enum CodingKeys: String, CodingKey {
            case name, host, capacity, state
            case runningJobs = "running_jobs"
            case startedAt = "started_at"
            case lastHeartbeat = "last_heartbeat"
        }
    }

    func add(read group: RouterGroup<PlayhouseContext>) {
        group.get("workers") { _, _ in
            ListResponse(
                key: "workers", items: try await dependencies.store.workers.list(lease: dependencies.lease).map(WorkerResponse.init))
        }
    }
}
