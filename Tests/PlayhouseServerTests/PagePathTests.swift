import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// Every path a person may type or bookmark opens its page; an unknown page path shows the
/// page's own "not found" view (with the navigation), while API paths keep JSON errors.
@Suite struct PagePathTests {
    @Test func typedPathsOpenPagesAndUnknownOnesAFriendlyNotFound() async throws {
        try await ServerFixture.with { client, _ in
            let port = try #require(client.port)
            for path in ["/", "/jobs", "/jobs/", "/jobs/1", "/templates", "/templates/1", "/templates/1/edit", "/templates/1/launch", "/launch"] {
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
}
