import Hummingbird
import PlayhouseStore

/// `GET /metrics`: the process's metrics in Prometheus' text format.
struct MetricsRoutes: Sendable {
    let dependencies: ServerDependencies

    func add(to group: RouterGroup<PlayhouseContext>) {
        group.get("metrics") { _, _ in
            let text = try await dependencies.store.metrics.exposition(
                store: dependencies.store, liveStreams: dependencies.work.running(.stream), lease: dependencies.lease)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
