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

    /// The sign-in page and the assets are open; every other page sends a browser
    /// without a session to the sign-in page.
    func add(open: Router<PlayhouseContext>, signedIn: RouterGroup<PlayhouseContext>) {
        open.get("/login") { _, _ in try file("index.html") }
        open.get("/assets/:name") { _, context in
            try file(context.parameters.get("name") ?? "")
        }
        let paths = [
            "/", "/jobs", "/jobs/:id", "/launch", "/inventories", "/workers", "/audit", "/templates", "/templates/new",
            "/templates/:id", "/templates/:id/edit", "/templates/:id/launch",
        ]
        for path in paths {
            signedIn.get(RouterPath(path)) { _, _ in try file("index.html") }
        }
    }

    /// The page for a path no page has: the page's own "not found" view, with the
    /// navigation, answered 404.
    func notFound() throws -> Response {
        var response = try file("index.html")
        response.status = .notFound
        return response
    }

    private func file(_ name: String) throws -> Response {
        guard let file = files[name] else { throw HTTPError(.notFound) }
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType,
                .cacheControl: "no-cache",
                .init("Content-Security-Policy")!:
                    "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
            ],
            body: .init(byteBuffer: file.body))
    }
}
