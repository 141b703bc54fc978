import Synchronization

/// How many more jobs a worker may start (its free slots), and the forks its running jobs
/// weigh.
final class Room: Sendable {
    private struct State {
        var freeSlots: Int
        var usedForks = 0
    }

    private let state: Mutex<State>

    init(slots: Int) {
        state = Mutex(State(freeSlots: slots))
    }

    /// Takes a slot if one is free.
    func takeSlot() -> Bool {
        state.withLock { state in
            guard state.freeSlots > 0 else { return false }
            state.freeSlots -= 1
            return true
        }
    }

    /// A job of `weight` forks started in the slot taken.
    func use(forks weight: Int) {
        state.withLock { $0.usedForks += weight }
    }

    /// Gives back a slot, and the forks of the job that ran in it (0 when none did).
    func give(forks weight: Int = 0) {
        state.withLock { state in
            state.freeSlots += 1
            state.usedForks -= weight
        }
    }

    var usedForks: Int { state.withLock { $0.usedForks } }
}
