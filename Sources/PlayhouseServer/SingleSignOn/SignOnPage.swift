import Foundation
import Hummingbird
import PlayhouseCore

/// The two small pages the end of a sign-in through a provider answers with, rendered by
/// the server: the browser comes from the provider's site, not from Playhouse's page.
enum SignOnPage {
    /// Signed in: on to `next` (a path of this site). A page rather than a redirect: the
    /// session cookie is `SameSite=Strict`, and a browser sends it only on a navigation this
    /// site starts, not on one that a redirect from the provider's site continues.
    static func signedIn(next: String) -> Response {
        let target = HTMLText.escaped(next)
        return html(
            status: .ok, title: "Signed in",
            head: #"<meta http-equiv="refresh" content="0;url=\#(target)">"#,
            body: #"<p id="sso-signed-in">Signed in. <a href="\#(target)">Continue</a></p>"#)
    }

    /// The sign-in did not happen: why, and the way back to the sign-in page.
    static func failed(_ failure: SignOnFailure) -> Response {
        html(
            status: failure.status, title: "Sign-in failed", head: "",
            body: #"""
                <h1>Sign-in failed</h1>
                <p id="sso-error" class="error" role="alert">\#(HTMLText.escaped(failure.message))</p>
                <p><a href="/login">Back to the sign-in page</a></p>
                """#)
    }

    private static func html(status: HTTPResponse.Status, title: String, head: String, body: String) -> Response {
        let page = """
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>\(title) — Playhouse</title>
              <link rel="icon" href="data:,">
              <link rel="stylesheet" href="/assets/app.css">
              \(head)
            </head>
            <body><main class="form form-narrow">\(body)</main></body>
            </html>
            """
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
