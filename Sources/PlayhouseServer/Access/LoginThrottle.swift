import Foundation
import HTTPTypes
import PlayhouseStore
import Synchronization

/// Slows down the guessing of passwords and second-factor codes: after `limit` failed tries
/// for one name from one address, or `limit × 4` from one address, within `window`, further
/// tries from there are refused until the oldest failure ages out. Keyed on the address
/// too, so that a stranger cannot lock someone out from elsewhere; a caller with no address
/// (a signed-in user changing their password) is counted by name alone. Kept in memory, per
/// server process.
///
/// A try counts as failed from the moment it is let in, before its password is checked,
/// and stops counting when it turns out right: guesses sent all at once cannot all get
/// past the limit while the first ones are still being checked.
final class LoginThrottle: Sendable {
    let limit: Int
    let window: Duration
    /// Names and addresses tracked at most; beyond it, tries from new ones wait until old
    /// failures age out, so a flood of names cannot grow the table without bound.
    static let maxKeys = 100_000

    /// One try let in, counted as failed until ``succeeded(_:)``.
    struct Attempt: Sendable {
        fileprivate let keys: [String]
        fileprivate let nameKey: String
        fileprivate let time: ContinuousClock.Instant
    }

    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])

    init(limit: Int = 5, window: Duration = .seconds(15 * 60)) {
        self.limit = limit
        self.window = window
    }

    /// Lets a try in and counts it as failed, or throws how long the caller must wait.
    func admit(name: String, address: String?) throws(Refusal) -> Attempt {
        let now = ContinuousClock.now
        let keys = [("name:\(name)@\(address ?? "-")", limit)] + (address.map { [("address:" + $0, limit * 4)] } ?? [])
        return try failures.withLock { failures -> Result<Attempt, Refusal> in
            if failures.count >= Self.maxKeys { failures = failures.compactMapValues { recent($0, now) } }
            var longest: Duration? = nil
            for (key, allowed) in keys {
                let kept = failures[key].flatMap { recent($0, now) }
                failures[key] = kept
                if let kept, kept.count >= allowed { longest = max(longest ?? .zero, window - (now - kept[0])) }
            }
            if failures.count >= Self.maxKeys, keys.contains(where: { failures[$0.0] == nil }) { longest = longest ?? window }
            if let longest { return .failure(Refusal(wait: longest)) }
            for (key, _) in keys { failures[key, default: []].append(now) }
            return .success(Attempt(keys: keys.map(\.0), nameKey: keys[0].0, time: now))
        }.get()
    }

    /// Runs the password check of a try let in. When the check cannot run (the server is
    /// too busy, the database failed), nothing was guessed, and the try stops counting.
    func check<T>(_ attempt: Attempt, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            withdraw(attempt)
            throw error is PasswordChecksBusy ? APIError.passwordChecksBusy : error
        }
    }

    /// The password was right: the try stops counting, and so do the name's earlier failures.
    func succeeded(_ attempt: Attempt) {
        withdraw(attempt)
        _ = failures.withLock { $0.removeValue(forKey: attempt.nameKey) }
    }

    /// The password was right, but a code must follow: the try stops counting, and the
    /// name's earlier failures (wrong codes among them) count on until the sign-in is whole.
    func passedFirstStep(_ attempt: Attempt) {
        withdraw(attempt)
    }

    private func withdraw(_ attempt: Attempt) {
        failures.withLock { failures in
            for key in attempt.keys {
                guard let index = failures[key]?.firstIndex(of: attempt.time) else { continue }
                failures[key]?.remove(at: index)
                if failures[key]?.isEmpty == true { failures[key] = nil }
            }
        }
    }

    /// The failures of `times` still inside the window; nil when none are.
    private func recent(_ times: [ContinuousClock.Instant], _ now: ContinuousClock.Instant) -> [ContinuousClock.Instant]? {
        let kept = times.filter { now - $0 < window }
        return kept.isEmpty ? nil : kept
    }

    /// Too many failures: how long until the next try is let in.
    struct Refusal: Error {
        var wait: Duration

        /// "wait 3 minutes and try again".
        var advice: String {
            let minutes = max(1, Int((Double(wait.components.seconds) / 60).rounded(.up)))
            return "wait \(minutes) minute\(minutes == 1 ? "" : "s") and try again"
        }
    }
}

extension APIError {
    /// More sign-ins wait for their password check than the server takes at once.
    static let passwordChecksBusy: APIError = {
        var error = APIError(.tooManyRequests, "too many passwords are being checked at once", detail: "try again in a few seconds")
        error.retryAfter = 5
        return error
    }()
}
