/// Why a queued job waits, as far as the workers tell: no worker of its groups is active,
/// none of them is big enough, none has a free slot, or none has room.
public struct QueueWait: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case noWorker, tooHeavy, noSlot, noRoom
    }

    public var kind: Kind
    /// What a person reads on the job.
    public var message: String

    /// Whether it lasts until the fleet changes (a worker starts or stops), rather than
    /// until the next job ends: only such a reason is stored on the job.
    public var isLasting: Bool { kind == .noWorker || kind == .tooHeavy }

    /// Why a job that may run on `groups` (none: any) and weighs `weight` forks waits,
    /// given the `workers` as last heard of (only active ones count); nil when one of them
    /// could take it now (it is next in line, or behind jobs that go first).
    public static func of(groups: [String], weight: Int, workers: [WorkerInfo]) -> QueueWait? {
        let candidates = workers.filter { $0.state == .active && $0.serves(groups) }
        let whose = groups.isEmpty ? "" : " of \(WorkerGroups.describe(groups))"
        guard !candidates.isEmpty else { return QueueWait(kind: .noWorker, message: "no worker\(whose) is active") }
        if let largest = candidates.map(\.capacityForks).max(), weight > largest {
            return QueueWait(
                kind: .tooHeavy,
                message: "it weighs \(weight) forks, more than any worker\(whose) holds (\(largest)): "
                    + "it runs alone on the first one that is idle")
        }
        let withSlots = candidates.filter { $0.runningJobs < $0.capacity }
        guard !withSlots.isEmpty else {
            return QueueWait(kind: .noSlot, message: "waiting for a free slot: every worker\(whose) runs as many jobs as it may")
        }
        let free = withSlots.map { $0.runningJobs == 0 ? $0.capacityForks : $0.capacityForks - $0.usedForks }.max() ?? 0
        guard weight > free else { return nil }
        return QueueWait(
            kind: .noRoom, message: "waiting for room: it weighs \(weight) forks and the workers\(whose) have at most \(max(free, 0)) free")
    }
}
