import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@testable import PlayhouseServer

/// Two-factor sign-in in headless Chromium: set up on the account page from its QR code
/// and secret, the recovery codes shown once, then signing out and in again with the
/// password and a code; and a user the server holds to it sent to set it up first.
@Suite struct SecondFactorBrowserTests {
    @Test(.timeLimit(.minutes(10)))
    func setUpOnTheAccountPageThenSignInWithPasswordAndCode() async throws {
        try await ServerFixture.with { client, store in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            _ = try await store.users.create(name: "tess", role: .operator, password: "tess-password", cost: 4)
            let site = "http://127.0.0.1:\(port)"
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "two-factor") {
                    try await browser.open("\(site)/login?next=/account")
                    try await browser.waitFor("#login-form", timeout: .seconds(30))
                    try await browser.fill("#login-name", with: "tess")
                    try await browser.fill("#login-password", with: "tess-password")
                    try await browser.click("#login-submit")
                    _ = try await browser.waitFor("#totp-start", timeout: .seconds(30))
                    #expect(try await browser.currentPath() == "/account")
                    #expect(try await browser.attribute("data-state", of: try await browser.find("#totp-status")) == "off")

                    try await browser.click("#totp-start")
                    _ = try await browser.waitFor("#totp-qr", timeout: .seconds(30))
                    let secret = try await browser.text(of: "#totp-secret")
                    #expect(secret.count == 32, "\(secret)")
                    // The QR code is an image the page's policy lets load, drawn at its size.
                    try await browser.waitUntil("the QR code to load", timeout: .seconds(10)) {
                        try await browser.executeScript(
                            "const i = document.querySelector('#totp-qr'); return i.complete && i.naturalWidth > 0;") == .bool(true)
                    }
                    let source = try await browser.attribute("src", of: try await browser.find("#totp-qr")) ?? ""
                    #expect(source.hasPrefix("data:image/svg+xml;base64,"))

                    try await browser.fill("#totp-code", with: try authenticatorCode(secret))
                    try await browser.click("#totp-confirm")
                    try await browser.waitUntil("the ten recovery codes", timeout: .seconds(30)) {
                        try await browser.findAll("#recovery-codes li").count == 10
                    }
                    try await browser.click("#recovery-codes-done")
                    try await browser.waitUntil("two-factor sign-in to show as on", timeout: .seconds(30)) {
                        try await browser.executeScript(
                            "const s = document.querySelector('#totp-status'); return s ? s.dataset.state : '';") == .string("on")
                    }
                    #expect(try await browser.text(of: "#totp-status").contains("10 recovery codes left"))

                    try await browser.click("#sign-out")
                    try await browser.waitUntil("the sign-out to reach the sign-in page", timeout: .seconds(30)) {
                        try await browser.currentPath() == "/login"
                    }
                    try await browser.open("\(site)/login?next=/account")
                    try await browser.waitFor("#login-form", timeout: .seconds(30))
                    try await browser.fill("#login-name", with: "tess")
                    try await browser.fill("#login-password", with: "tess-password")
                    try await browser.click("#login-submit")
                    _ = try await browser.waitFor("#login-code-form", timeout: .seconds(30))
                    #expect(try await browser.currentPath() == "/login", "a right password alone signs in no one")
                    // The confirmation used the current step's code; the next step's is accepted too.
                    try await browser.fill("#login-code", with: try authenticatorCode(secret, at: Date().addingTimeInterval(TOTP.period)))
                    try await browser.click("#login-code-submit")
                    try await browser.waitUntil("the sign-in to land on the account page", timeout: .seconds(30)) {
                        try await browser.currentPath() == "/account"
                    }
                    _ = try await browser.waitFor("#session-user", timeout: .seconds(10))
                    #expect(try await browser.text(of: "#session-user") == "tess (operator)")

                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(console.isEmpty, "browser console errors: \(console)")
                }
            }
            let audit = try await client.json(.get, "/api/v1/audit").json.jsonString()
            #expect(audit.contains("user.totp.enable") && audit.contains("with an authenticator code"))
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func aUserTheServerHoldsToASecondFactorIsSentToSetItUp() async throws {
        try await ServerFixture.with(requireSecondFactor: .everyone) { client, store in
            guard let port = client.port else { throw TestFailure("the live test server has no port") }
            _ = try await store.users.create(name: "gil", role: .viewer, password: "gil-password", cost: 4)
            let site = "http://127.0.0.1:\(port)"
            try await withChromeSession { browser in
                try await withDiagnostics(browser, "two-factor-required") {
                    try await browser.open("\(site)/login?next=/jobs")
                    try await browser.waitFor("#login-form", timeout: .seconds(30))
                    try await browser.fill("#login-name", with: "gil")
                    try await browser.fill("#login-password", with: "gil-password")
                    try await browser.click("#login-submit")
                    _ = try await browser.waitFor("#totp-required", timeout: .seconds(30))
                    #expect(try await browser.currentPath() == "/account", "sent from /jobs to the account page")
                    #expect(try await browser.text(of: "#totp-required").contains("requires two-factor sign-in"))

                    try await browser.click("#totp-start")
                    _ = try await browser.waitFor("#totp-secret", timeout: .seconds(30))
                    let secret = try await browser.text(of: "#totp-secret")
                    try await browser.fill("#totp-code", with: try authenticatorCode(secret))
                    try await browser.click("#totp-confirm")
                    _ = try await browser.waitFor("#recovery-codes-done", timeout: .seconds(30))
                    try await browser.click("#recovery-codes-done")
                    _ = try await browser.waitFor(#"#totp-status[data-state="on"]"#, timeout: .seconds(30))
                    #expect(try await browser.findAll("#totp-off-form").isEmpty, "what the server requires cannot be turned off")

                    try await browser.open("\(site)/jobs")
                    _ = try await browser.waitFor("#session-user", timeout: .seconds(30))
                    #expect(try await browser.currentPath() == "/jobs", "set up, the user goes where they like")
                    let console = try await browser.browserLog().filter { $0.level == "SEVERE" }
                    #expect(console.isEmpty, "browser console errors: \(console)")
                }
            }
        }
    }
}
