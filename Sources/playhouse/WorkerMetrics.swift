import Hummingbird
import Logging
import PlayhouseStore

/// A worker's own `GET /metrics`: the dispatches and runs it counted, and the store's
/// gauges, in Prometheus' text format, on an address of its own (the worker has no web
/// server otherwise). Open to whoever reaches the address: bind it where only Prometheus does.
enum WorkerMetrics {
    static func application(store: Store, lease: Duration, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ in
            let text = try await store.metrics.exposition(store: store, liveStreams: 0, lease: lease)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
    }

    /// `HOST:PORT` of `--metrics-listen`, checked.
    static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}
