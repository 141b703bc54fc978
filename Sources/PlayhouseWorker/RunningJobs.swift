import PlayhouseCore
import PlayhouseEngine
import Synchronization

/// The runs in progress, so a heartbeat or a drain can stop them.
final class RunningJobs: Sendable {
    private let controls = Mutex<[Int64: RunControl]>([:])

    func add(_ id: Int64, _ control: RunControl) {
        controls.withLock { $0[id] = control }
    }

    func remove(_ id: Int64) {
        _ = controls.withLock { $0.removeValue(forKey: id) }
    }

    var all: [(Int64, RunControl)] { controls.withLock { $0.map { ($0.key, $0.value) } } }
    var isEmpty: Bool { controls.withLock { $0.isEmpty } }

    func stopAll(_ reason: StopReason) {
        for (_, control) in all { control.stop(reason) }
    }
}
