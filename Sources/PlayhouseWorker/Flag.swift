import Synchronization

/// A one-way switch: set once, read anywhere.
final class Flag: Sendable {
    private let value = Mutex(false)

    func set() {
        value.withLock { $0 = true }
    }

    var isSet: Bool { value.withLock { $0 } }
}
