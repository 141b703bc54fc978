import Foundation
import Hummingbird

/// The web page: one HTML file and its script and styles, shipped inside Playhouse and
/// served from memory. No build step, no external CDN.
struct Pages: Sendable {
    let files: [String: (contentType: String, body: ByteBuffer)]

    init() {
        var files: [String: (String, ByteBuffer)] = [:]
        let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"]
        if let folder = Bundle.module.url(forResource: "public", withExtension: nil),
           let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) {
            for name in names {
                guard let data = FileManager.default.contents(atPath: folder.path + "/" + name) else { continue }
                let type = types[URL(fileURLWithPath: name).pathExtension] ?? "application/octet-stream"
                files[name] = (type, ByteBuffer(bytes: data))
            }
        }
        self.files = files
    }

    func add(to router: Router<BasicRequestContext>) {
        for path in ["/", "/jobs/:id", "/launch", "/inventories", "/workers"] {
            router.get(RouterPath(path)) { _, _ in try file("index.html") }
        }
        router.get("/assets/:name") { _, context in
            try file(context.parameters.get("name") ?? "")
        }
    }

    private func file(_ name: String) throws -> Response {
        guard let file = files[name] else { throw HTTPError(.notFound) }
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType,
                .cacheControl: "no-cache",
                .init("Content-Security-Policy")!: "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:",
                .init("X-Content-Type-Options")!: "nosniff",
                .init("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: file.body))
    }
}
