import Foundation
import Synchronization

/// Slows down password guessing: after `limit` failed sign-ins for one name from one
/// address, or `limit × 4` from one address, within `window`, further attempts from there
/// are refused until the oldest failure ages out. Keyed on the address too, so that a
/// stranger cannot lock someone out from elsewhere. Kept in memory, per server process.
final class LoginThrottle: Sendable {
    let limit: Int
    let window: Duration
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])

    init(limit: Int = 5, window: Duration = .seconds(15 * 60)) {
        self.limit = limit
        self.window = window
    }

    /// How long the caller must wait before trying again; nil when it may try now.
    func wait(name: String, address: String?) -> Duration? {
        let now = ContinuousClock.now
        return failures.withLock { failures in
            var longest: Duration? = nil
            for (key, allowed) in Self.keys(name: name, address: address, limit: limit) {
                let recent = (failures[key] ?? []).filter { now - $0 < window }
                failures[key] = recent
                if recent.count >= allowed, let oldest = recent.first {
                    let wait = window - (now - oldest)
                    longest = max(longest ?? .zero, wait)
                }
            }
            return longest
        }
    }

    func failed(name: String, address: String?) {
        let now = ContinuousClock.now
        failures.withLock { failures in
            for (key, _) in Self.keys(name: name, address: address, limit: limit) { failures[key, default: []].append(now) }
        }
    }

    func succeeded(name: String, address: String?) {
        _ = failures.withLock { $0.removeValue(forKey: Self.nameKey(name, address)) }
    }

    private static func nameKey(_ name: String, _ address: String?) -> String {
        "name:\(name)@\(address ?? "?")"
    }

    private static func keys(name: String, address: String?, limit: Int) -> [(String, Int)] {
        [(nameKey(name, address), limit)] + (address.map { [("address:" + $0, limit * 4)] } ?? [])
    }
}
