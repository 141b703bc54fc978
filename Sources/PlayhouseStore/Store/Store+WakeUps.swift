import Logging
import SQLKit
import Synchronization

extension Store {
    static let notificationChannel = "playhouse"

    /// Wakes this process's subscribers of `channel`, and every other process's too when
    /// the database is shared. In a transaction, the wake-up waits for the commit.
    func announce(_ channel: Notifications.Channel) async {
        if case .transaction(let pending) = sessions {
            pending.add(channel)
            return
        }
        notifications.post(channel)
        guard dialect == .postgres, let payload = channel.payload else { return }
        do {
            try await sql.raw("SELECT pg_notify(\(bind: Self.notificationChannel), \(bind: payload))").run()
        } catch {
            Logger(label: "playhouse.store").warning("could not notify other processes: \(error)")
        }
    }
}

/// The wake-ups a transaction sends, held until it commits.
final class PendingWakeUps: Sendable {
    private let channels = Mutex<[Notifications.Channel]>([])

    func add(_ channel: Notifications.Channel) {
        channels.withLock { if !$0.contains(channel) { $0.append(channel) } }
    }

    /// The wake-ups in the order they were first sent, each once.
    func take() -> [Notifications.Channel] {
        channels.withLock { channels in
            defer { channels = [] }
            return channels
        }
    }
}

extension Notifications.Channel {
    /// The channel as a `NOTIFY` payload; nil for channels that stay in one process.
    var payload: String? {
        switch self {
        case .job(let id): "job:\(id)"
        case .cancel(let id): "cancel:\(id)"
        case .queue: "queue"
        case .workflows: "workflows"
        case .mirrors: "mirrors"
        case .heartbeat: nil
        }
    }

    init?(payload: String) {
        let parts = payload.split(separator: ":", maxSplits: 1)
        switch (parts.first, parts.count == 2 ? Int64(parts[1]) : nil) {
        case ("job"?, let id?): self = .job(id)
        case ("cancel"?, let id?): self = .cancel(id)
        case ("queue"?, nil): self = .queue
        case ("workflows"?, nil): self = .workflows
        case ("mirrors"?, nil): self = .mirrors
        default: return nil
        }
    }
}
