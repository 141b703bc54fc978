import Synchronization

/// How many more jobs may run at once.
final class Slots: Sendable {
    private let free: Mutex<Int>

    init(capacity: Int) {
        free = Mutex(capacity)
    }

    /// Takes a slot if one is free.
    func take() -> Bool {
        free.withLock { free in
            guard free > 0 else { return false }
            free -= 1
            return true
        }
    }

    func give() {
        free.withLock { $0 += 1 }
    }
}
