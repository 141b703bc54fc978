import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `GET /api/v1/health`, open to everyone: `{"status":"ok"}` (200) while the database can
/// be reached, `{"status":"degraded","reason":…}` (503) while it cannot, so that a load
/// balancer or a monitor tells them apart by the status alone. The process reconnects by
/// itself: a 503 here asks to send it no traffic for now, not to restart it.
struct HealthRoutes: Sendable {
    let store: Store

    func add(open: RouterGroup<PlayhouseContext>) {
        open.get("health") { _, _ in try response() }
    }

    func response() throws -> Response {
        let body: [String: String]
        let status: HTTPResponse.Status
        switch store.databaseStatus {
        case .reachable:
            (status, body) = (.ok, ["status": "ok"])
        case .unreachable(let since, let reason):
            let seconds = Int(since.duration(to: .now).inSeconds)
            (status, body) = (
                .serviceUnavailable, ["status": "degraded", "reason": "the database cannot be reached (for \(seconds) s): \(reason)"]
            )
        }
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.api.encode(body))))
    }
}
