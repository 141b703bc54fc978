import PlayhouseStore
import ServiceLifecycle

/// Ticks the store's heartbeat channel for every live stream of this process at once.
struct Heartbeat: Service {
    let notifications: Notifications
    let interval: Duration

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                notifications.post(.heartbeat)
            }
        }
    }
}
