import Foundation
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// Every path a person may type or bookmark opens its page; an unknown page path shows the
/// page's own "not found" view (with the navigation), while API paths keep JSON errors.
@Suite struct PagePathTests {
    @Test func typedPathsOpenPagesAndUnknownOnesAFriendlyNotFound() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            let paths = [
                "/", "/jobs", "/jobs/", "/jobs/1", "/templates", "/templates/1", "/templates/1/edit", "/templates/1/launch", "/launch",
            ]
            for path in paths {
                let page = try await RawHTTP.send(port: port, "GET", path)
                #expect(page.status == 200, "\(path)")
                #expect(page.header("Content-Type")?.hasPrefix("text/html") == true, "\(path)")
            }
            for path in ["/nope", "/jobs/1/nope", "/templates/x/y/z"] {
                let missing = try await RawHTTP.send(port: port, "GET", path)
                #expect(missing.status == 404, "\(path)")
                #expect(missing.header("Content-Type")?.hasPrefix("text/html") == true, "\(path): \(missing.body.prefix(100))")
                #expect(missing.body.contains("<nav"), "the not-found view keeps the navigation")
            }
            let api = try await RawHTTP.send(port: port, "GET", "/api/v1/nope")
            #expect(api.status == 404)
            #expect(JSONValue.parse(api.body)?["error"]?.stringValue?.contains("no such route") == true, "\(api.body)")
        }
    }

    /// The route table the browser loads is the one the server registered: each of its
    /// paths is a page, each of its modules is served as a script.
    @Test func theRouteTableServesEveryPageAndItsModule() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            let table = try await RawHTTP.send(port: port, "GET", "/assets/routes.json", signedIn: false)
            #expect(table.status == 200)
            #expect(table.header("Content-Type") == "application/json")
            guard case .array(let pages)? = JSONValue.parse(table.body)?["pages"] else { throw TestFailure("no pages in \(table.body)") }
            #expect(pages.count >= 12)
            for page in pages {
                let pattern = try #require(page["path"]?.stringValue)
                let path = pattern.replacing(/:\w+/, with: "1")
                let open = page["open"] == .bool(true)
                let html = try await RawHTTP.send(port: port, "GET", path, signedIn: false)
                #expect(html.status == (open ? 200 : 303), "\(path) without a session")
                let signedIn = try await RawHTTP.send(port: port, "GET", path)
                #expect(signedIn.status == 200, "\(path)")
                #expect(signedIn.header("Content-Type")?.hasPrefix("text/html") == true, "\(path)")
                let module = try #require(page["module"]?.stringValue)
                let script = try await RawHTTP.send(port: port, "GET", "/assets/\(module)", signedIn: false)
                #expect(script.status == 200, "\(module)")
                #expect(script.header("Content-Type")?.hasPrefix("text/javascript") == true, "\(module)")
                #expect(script.body.contains("export default function"), "\(module) has the page contract's render")
            }
            // Only the files of the page are assets: a path never leads out of their folder.
            let outside = [
                "/assets/../Package.swift", "/assets/pages/../app.js", "/assets/%2e%2e/Package.swift", "/assets/pages", "/assets/",
            ]
            for path in outside {
                let answer = try await RawHTTP.send(port: port, "GET", path)
                #expect(answer.status == 404, "\(path)")
                #expect(!answer.body.contains("import"), "\(path)")
            }
        }
    }
}
