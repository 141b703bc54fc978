import Foundation
import Hummingbird

/// The web page: one HTML file and its modules and styles, shipped inside Playhouse and
/// served from memory. No build step, no external CDN.
///
/// `public/routes.json` is the one list of page paths: the server answers each with the
/// HTML page, and the browser loads the same file to pick the page's module.
struct Pages: Sendable {
    /// One page of `routes.json`; its module and navigation entry are the browser's.
    struct Route: Decodable, Sendable {
        /// A path pattern such as `/jobs/:id`.
        var path: String
        /// Shown without signing in (the sign-in page).
        var open: Bool?
    }

    private struct RouteTable: Decodable {
        var pages: [Route]
    }

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "json": "application/json",
    ]

    /// The files of `public`, by their path inside it (`pages/job.js`).
    let files: [String: (contentType: String, body: ByteBuffer)]
    let routes: [Route]

    init() {
        var files: [String: (contentType: String, body: ByteBuffer)] = [:]
        if let folder = Bundle.module.url(forResource: "public", withExtension: nil)?.path,
            let paths = FileManager.default.subpaths(atPath: folder)
        {
            for path in paths {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isFolder), !isFolder.boolValue,
                    let data = FileManager.default.contents(atPath: folder + "/" + path)
                else { continue }
                let type = Self.contentTypes[URL(fileURLWithPath: path).pathExtension] ?? "application/octet-stream"
                files[path] = (type, ByteBuffer(bytes: data))
            }
        }
        self.files = files
        do {
            let table = files["routes.json"].map { Data($0.body.readableBytesView) } ?? Data()
            routes = try JSONDecoder().decode(RouteTable.self, from: table).pages
        } catch {
            // The file ships inside the binary: a table that is missing or does not decode is a build mistake.
            preconditionFailure("public/routes.json is missing or does not decode: \(error)")
        }
    }

    /// The sign-in page and the assets are open; every other page sends a browser
    /// without a session to the sign-in page.
    func add(open: Router<PlayhouseContext>, signedIn: RouterGroup<PlayhouseContext>) {
        // A route per file: no part of a request's path is ever used to look a file up.
        for name in files.keys {
            open.get(RouterPath("/assets/" + name)) { _, _ in try file(name) }
        }
        for route in routes {
            if route.open == true {
                open.get(RouterPath(route.path)) { _, _ in try file("index.html") }
            } else {
                signedIn.get(RouterPath(route.path)) { _, _ in try file("index.html") }
            }
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
                    "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
                    + "frame-ancestors 'none'; form-action 'self'",
            ],
            body: .init(byteBuffer: file.body))
    }
}
