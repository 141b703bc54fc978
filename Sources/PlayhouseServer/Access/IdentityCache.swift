import Foundation
import Synchronization

/// Who a token or session cookie stood for, remembered for a few seconds, so a burst of
/// requests (a page polling, a script launching twenty jobs) does not look the same
/// token up four times per request. Any change to users, teams, grants, tokens or
/// sessions on this server empties it; other servers of a fleet see such a change
/// within ``lifetime``.
final class IdentityCache: Sendable {
    static let lifetime: Duration = .seconds(5)

    private struct Entry {
        var identity: Identity
        var until: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])

    func identity(for key: String) -> Identity? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.until > .now else {
                entries[key] = nil
                return nil
            }
            return entry.identity
        }
    }

    func remember(_ identity: Identity, for key: String) {
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[key] = Entry(identity: identity, until: .now + Self.lifetime)
        }
    }

    func clear() {
        entries.withLock { $0.removeAll() }
    }
}
