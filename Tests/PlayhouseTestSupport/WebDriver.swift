import Foundation
import PlayhouseCore
import Subprocess

#if canImport(Glibc)
import Glibc
#endif

#if canImport(System)
import System
#else
import SystemPackage
#endif

// A small W3C WebDriver client for the page tests: Debian's `chromedriver` drives a
// headless `chromium`, both started and owned by the test (see ``withChromeSession(_:)``).
//
// Every wait polls with `Task.sleep`, and every WebDriver call does its blocking socket
// work on a thread of its own (see ``WebDriverHTTP``), so nothing blocks the cooperative
// thread pool.

/// Why a WebDriver command (or setting the browser up) failed.
public struct WebDriverError: Error, Sendable, CustomStringConvertible {
    /// The W3C error code (`no such element`, `stale element reference`, …), nil for our own errors.
    public var code: String?
    public var message: String

    public init(_ message: String, code: String? = nil) {
        self.message = message
        self.code = code
    }

    public var description: String { code.map { "\($0): \(message)" } ?? message }

    /// True for the errors a poll should ride out: the element is not (or no longer) there.
    public var isTransient: Bool {
        code == "no such element" || code == "stale element reference" || code == "element not interactable"
            || code == "element click intercepted"
    }
}

/// A reference to an element of the current page.
public struct WebElement: Sendable, Hashable, CustomStringConvertible {
    /// The key W3C WebDriver uses for element references in JSON.
    public static let referenceKey = "element-6066-11e4-a52e-4f735466cecf"

    public let id: String
    public init(id: String) { self.id = id }

    /// The element as a script argument (`arguments[i]` is the DOM element).
    public var json: JSONValue { .object([Self.referenceKey: .string(id)]) }

    public var description: String { "element \(id)" }

    init?(_ value: JSONValue) {
        guard let id = value[Self.referenceKey]?.stringValue else { return nil }
        self.id = id
    }
}

// MARK: - Starting the browser

/// Starts `chromedriver` on a free loopback port and a headless `chromium` session, runs
/// `body` with it, and always ends the session, stops `chromedriver` and makes sure no
/// `chromium` process it started is left (throwing if one survives even SIGKILL).
public func withChromeSession<T>(
    isolation: isolated (any Actor)? = #isolation,
    windowWidth: Int = 1280, windowHeight: Int = 1000,
    _ body: (WebDriverSession) async throws -> T
) async throws -> T {
    await ChromeSessions.shared.enter()
    defer { Task { await ChromeSessions.shared.leave() } }
    let browser = try await ChromeBrowser.start(windowWidth: windowWidth, windowHeight: windowHeight)
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(browser.session))
    } catch {
        outcome = .failure(error)
    }
    // An unstructured task: cleanup still runs (and its requests still go out) when the
    // test's task was cancelled.
    let leftovers = await Task { await browser.close() }.value
    let value = try outcome.get()
    if !leftovers.isEmpty {
        throw WebDriverError("chromium processes survived the session: " + leftovers.joined(separator: "; "))
    }
    return value
}

/// How many browsers the test process runs at once (one): each is a few hundred MB and a core's
/// worth of work while a page loads, and the suites that use one run side by side with the
/// fleet and restart tests, whose leases a starved machine would let run out.
actor ChromeSessions {
    static let shared = ChromeSessions(limit: 1)

    private let limit: Int
    private var open = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = limit
    }

    func enter() async {
        guard open >= limit else {
            open += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the place over to the next waiting session, if any.
    func leave() {
        if waiting.isEmpty {
            open -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// One `chromedriver` process with its session, the temporary folder (user data dir and
/// the driver's log) and the processes it started.
final class ChromeBrowser: Sendable {
    static let chromiumPath = "/usr/bin/chromium"
    static let chromedriverPath = "/usr/bin/chromedriver"
    static let directoryPrefix = "playhouse-chrome-"

    let session: WebDriverSession
    let driver: ChromeDriverProcess
    let directory: String
    let userDataDirectory: String

    private init(session: WebDriverSession, driver: ChromeDriverProcess, directory: String, userDataDirectory: String) {
        self.session = session
        self.driver = driver
        self.directory = directory
        self.userDataDirectory = userDataDirectory
    }

    static func start(windowWidth: Int, windowHeight: Int) async throws -> ChromeBrowser {
        for tool in [chromiumPath, chromedriverPath] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw WebDriverError(
                "\(tool) is missing: the page tests need Debian's chromium; "
                    + "run `make test` (installs chromium and chromium-driver)")
        }
        sweepLeftovers()
        let directory = NSTemporaryDirectory() + directoryPrefix + "\(getpid())-" + UUID().uuidString.prefix(8).lowercased()
        let userData = directory + "/user-data"
        try FileManager.default.createDirectory(atPath: userData, withIntermediateDirectories: true)

        let http = WebDriverHTTP()
        var driver: ChromeDriverProcess? = nil
        do {
            let started = try await ChromeDriverProcess.start(log: directory + "/chromedriver.log", http: http)
            driver = started
            let arguments: [String] = [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--user-data-dir=\(userData)", "--window-size=\(windowWidth),\(windowHeight)",
                "--no-first-run", "--no-default-browser-check", "--no-proxy-server",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--hide-scrollbars", "--force-device-scale-factor=1",
            ]
            let capabilities: JSONValue = .object([
                "capabilities": .object([
                    "alwaysMatch": .object([
                        "browserName": .string("chrome"),
                        "pageLoadStrategy": .string("normal"),
                        "timeouts": .object([
                            "implicit": .number(0), "pageLoad": .number(30_000), "script": .number(30_000),
                        ]),
                        "goog:chromeOptions": .object([
                            "binary": .string(chromiumPath),
                            "args": .array(arguments.map(JSONValue.string)),
                        ]),
                        "goog:loggingPrefs": .object(["browser": .string("ALL")]),
                    ])
                ])
            ])
            let base = "http://127.0.0.1:\(started.port)"
            let created: JSONValue
            do {
                created = try await http.send("POST", base + "/session", capabilities, timeout: 60)
            } catch {
                throw WebDriverError("chromedriver could not start chromium: \(error)\n" + started.logTail())
            }
            guard let id = created["sessionId"]?.stringValue else {
                throw WebDriverError("chromedriver answered no session id: \(created.jsonString())")
            }
            let session = WebDriverSession(id: id, base: base + "/session/" + id, http: http)
            return ChromeBrowser(session: session, driver: started, directory: directory, userDataDirectory: userData)
        } catch {
            if let driver {
                let tree = ProcessCheck.descendants(of: driver.pid)
                await driver.stop()
                _ = await Self.reap(tree: tree, userDataDirectory: userData)
            }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Ends the session, stops chromedriver and kills what chromium left. Returns the
    /// processes that could not be ended (normally none).
    func close() async -> [String] {
        // Taken before anything stops: once chromedriver is gone its children are orphans.
        let tree = ProcessCheck.descendants(of: driver.pid)
        _ = try? await session.http.send("DELETE", session.base, nil, timeout: 20)
        await driver.stop()
        let leftovers = await Self.reap(tree: tree, userDataDirectory: userDataDirectory)
        try? FileManager.default.removeItem(atPath: directory)
        return leftovers
    }

    /// Waits for the browser's processes to end, SIGKILLs what is left, and returns what
    /// survived even that.
    static func reap(tree: [pid_t], userDataDirectory: String) async -> [String] {
        func alive() -> [(pid: pid_t, command: String)] {
            var found: [pid_t: String] = [:]
            for pid in tree where ProcessCheck.isRunning(pid) {
                found[pid] = ProcessCheck.commandLine(pid) ?? "?"
            }
            for process in ProcessCheck.processes(containing: userDataDirectory) where ProcessCheck.isRunning(process.pid) {
                found[process.pid] = process.command
            }
            return found.map { ($0.key, $0.value) }
        }
        var deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, !alive().isEmpty {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let survivors = alive()
        guard !survivors.isEmpty else { return [] }
        for process in survivors { kill(process.pid, SIGKILL) }
        deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline, !alive().isEmpty {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return alive().map { "\($0.pid) \($0.command.prefix(200))" }
    }

    /// Kills browsers and drivers left by test processes that no longer exist, and removes
    /// their folders.
    private static func sweepLeftovers() {
        let base = NSTemporaryDirectory() + directoryPrefix
        func ownerIsGone(_ path: Substring) -> Bool {
            guard let owner = path.split(separator: "-").first.flatMap({ pid_t($0) }), owner > 0 else { return false }
            return kill(owner, 0) != 0 && errno == ESRCH
        }
        for process in ProcessCheck.processes(containing: base) {
            guard let range = process.command.range(of: base) else { continue }
            if ownerIsGone(process.command[range.upperBound...]) { kill(process.pid, SIGKILL) }
        }
        let temporary = NSTemporaryDirectory()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        where entry.hasPrefix(directoryPrefix) && ownerIsGone(entry.dropFirst(directoryPrefix.count)) {
            try? FileManager.default.removeItem(atPath: temporary + entry)
        }
    }
}

/// A `chromedriver --port=N` process, run through swift-subprocess until ``stop()``.
final class ChromeDriverProcess: Sendable {
    let port: Int
    let logPath: String
    private let child: ChildProcess
    var pid: pid_t { child.pid }

    private init(port: Int, logPath: String, child: ChildProcess) {
        self.port = port
        self.logPath = logPath
        self.child = child
    }

    /// Starts chromedriver on a free port of 127.0.0.1 and returns once `GET /status`
    /// says it is ready; another port is tried when the chosen one was taken meanwhile.
    static func start(log: String, http: WebDriverHTTP) async throws -> ChromeDriverProcess {
        var failures: [String] = []
        for _ in 0..<3 {
            let port = try Loopback.freePort()
            let driver = try await launch(port: port, log: log)
            let deadline = ContinuousClock.now + .seconds(20)
            var ready = false
            var lastAnswer = "no answer"
            while ContinuousClock.now < deadline, ProcessCheck.isRunning(driver.pid) {
                do {
                    let status = try await http.send("GET", "http://127.0.0.1:\(port)/status", nil, timeout: 2)
                    if case .bool(true) = status["ready"] ?? .null {
                        ready = true
                        break
                    }
                    lastAnswer = status.jsonString()
                } catch {
                    lastAnswer = "\(error)"
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            if ready { return driver }
            let exited = !ProcessCheck.isRunning(driver.pid)
            await driver.stop()
            failures.append("port \(port): \(exited ? "chromedriver exited" : "not ready within 20 s") (\(lastAnswer)) \(driver.logTail())")
            if !exited { break }
        }
        throw WebDriverError("chromedriver did not start: " + failures.joined(separator: "; "))
    }

    private static func launch(port: Int, log: String) async throws -> ChromeDriverProcess {
        let child = try await ChildProcess.start(
            ChromeBrowser.chromedriverPath, arguments: ["--port=\(port)", "--log-path=\(log)"], stderrPath: "/dev/null")
        return ChromeDriverProcess(port: port, logPath: log, child: child)
    }

    /// SIGTERM, then SIGKILL after 5 s; returns once the process has ended.
    func stop() async {
        await child.stop(killAfter: .seconds(5))
    }

    /// The end of chromedriver's log, for error messages.
    func logTail(_ count: Int = 1500) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8), !text.isEmpty else { return "" }
        return "chromedriver log: …" + text.suffix(count)
    }
}

// MARK: - HTTP

/// JSON over HTTP/1.1 to chromedriver on 127.0.0.1.
///
/// Not URLSession: FoundationNetworking (swift-corelibs-foundation before PR #5527) fails
/// every answer whose header lines have no space after the colon ("Failed writing
/// header"), and chromedriver writes exactly those (`Content-Length:250`). So each command
/// is a one-shot socket exchange on its own thread: the blocking reads never hold a
/// thread of the cooperative pool, and a socket timeout bounds every command.
struct WebDriverHTTP: Sendable {
    init() {}

    /// Sends one command and returns its `value`; a WebDriver error answer throws.
    func send(_ method: String, _ url: String, _ body: JSONValue?, timeout: TimeInterval = 60) async throws -> JSONValue {
        guard url.hasPrefix("http://127.0.0.1:") else { throw WebDriverError("not a loopback WebDriver URL: \(url)") }
        let rest = url.dropFirst("http://127.0.0.1:".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let port = Int(rest[..<slash]) else { throw WebDriverError("no port in \(url)") }
        let path = slash < rest.endIndex ? String(rest[slash...]) : "/"
        let payload = body.map { Array($0.jsonString().utf8) } ?? []
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: application/json\r\nConnection: close\r\n"
        if body != nil || method == "POST" {
            head += "Content-Type: application/json; charset=utf-8\r\nContent-Length: \(payload.count)\r\n"
        }
        let request = Array((head + "\r\n").utf8) + payload
        let (status, data) = try await Self.exchange(port: port, request: request, timeout: timeout)
        let json = try? JSONDecoder().decode(JSONValue.self, from: Data(data))
        let value = json?["value"] ?? .null
        if status >= 400 || value["error"]?.stringValue != nil {
            let message = value["message"]?.stringValue ?? String(decoding: data.prefix(500), as: UTF8.self)
            throw WebDriverError(
                "\(method) \(path) → HTTP \(status): \(message.prefix(800))",
                code: value["error"]?.stringValue ?? "http \(status)")
        }
        return value
    }

    private static func exchange(port: Int, request: [UInt8], timeout: TimeInterval) async throws -> (Int, [UInt8]) {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try blockingExchange(port: port, request: request, timeout: timeout) })
            }
            thread.start()
        }
    }

    private static func blockingExchange(port: Int, request: [UInt8], timeout: TimeInterval) throws -> (Int, [UInt8]) {
        let seconds = max(1, timeout)
        let fd: Int32
        do {
            fd = try Loopback.connect(port: port, timeout: seconds)
        } catch {
            throw WebDriverError("\(error)", code: "connection failed")
        }
        defer { Glibc.close(fd) }
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw WebDriverError("send to 127.0.0.1:\(port) failed: errno \(errno)", code: "connection failed") }
            sent += count
        }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int? = nil
        var status = 0
        var contentLength: Int? = nil
        var chunked = false
        while true {
            if let headerEnd {
                let body = received.count - headerEnd
                if let contentLength, body >= contentLength { break }
                if chunked, received.suffix(5).elementsEqual("0\r\n\r\n".utf8) { break }
            }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            if count < 0 {
                throw WebDriverError(
                    "no answer from chromedriver within \(Int(seconds)) s (errno \(errno))", code: "timeout")
            }
            if count == 0 { break }
            received += buffer[0..<count]
            if headerEnd == nil, let end = received.firstRange(of: [13, 10, 13, 10])?.upperBound {
                headerEnd = end
                let lines = String(decoding: received[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
                status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    if name == "content-length" { contentLength = Int(value) }
                    if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
                }
            }
        }
        guard let headerEnd else {
            throw WebDriverError("chromedriver closed the connection without an answer", code: "connection failed")
        }
        var body = Array(received[headerEnd...])
        if let contentLength, body.count > contentLength { body = Array(body[0..<contentLength]) }
        if chunked { body = RawHTTP.dechunk(body) }
        return (status, body)
    }
}

// MARK: - The session

/// One browser session. Elements are found with CSS selectors.
public final class WebDriverSession: Sendable {
    public let id: String
    /// `http://127.0.0.1:PORT/session/ID`
    let base: String
    let http: WebDriverHTTP

    init(id: String, base: String, http: WebDriverHTTP) {
        self.id = id
        self.base = base
        self.http = http
    }

    @discardableResult
    private func command(_ method: String, _ path: String, _ body: JSONValue? = nil, timeout: TimeInterval = 60) async throws -> JSONValue {
        try await http.send(method, base + path, method == "POST" ? (body ?? .object([:])) : body, timeout: timeout)
    }

    // MARK: Navigation

    /// Loads `url` and returns once the page has loaded.
    public func open(_ url: String) async throws {
        try await command("POST", "/url", .object(["url": .string(url)]))
    }

    /// The address the page shows now (pushState included).
    public func currentURL() async throws -> String {
        try await command("GET", "/url").stringValue ?? ""
    }

    /// The path of ``currentURL()``.
    public func currentPath() async throws -> String {
        URL(string: try await currentURL())?.path ?? ""
    }

    public func title() async throws -> String {
        try await command("GET", "/title").stringValue ?? ""
    }

    public func refresh() async throws {
        try await command("POST", "/refresh")
    }

    // MARK: Elements

    /// The first element matching `css`; throws `no such element` when there is none.
    public func find(_ css: String) async throws -> WebElement {
        let value = try await command("POST", "/element", .object(["using": .string("css selector"), "value": .string(css)]))
        guard let element = WebElement(value) else { throw WebDriverError("no element reference for \(css): \(value.jsonString())") }
        return element
    }

    /// Every element matching `css`, possibly none.
    public func findAll(_ css: String) async throws -> [WebElement] {
        let value = try await command("POST", "/elements", .object(["using": .string("css selector"), "value": .string(css)]))
        guard case .array(let items) = value else { return [] }
        return items.compactMap(WebElement.init)
    }

    /// Polls until an element matches `css` (and, with `visible`, is displayed).
    @discardableResult
    public func waitFor(_ css: String, timeout: Duration = .seconds(10), visible: Bool = false) async throws -> WebElement {
        var found: WebElement? = nil
        try await waitUntil("\(css) to appear\(visible ? " visible" : "")", timeout: timeout) {
            let element = try await self.find(css)
            if visible, !(try await self.isDisplayed(element)) { return false }
            found = element
            return true
        }
        return found!
    }

    public func click(_ element: WebElement) async throws {
        try await command("POST", "/element/\(element.id)/click")
    }

    /// Waits for a displayed element matching `css` and clicks it.
    public func click(_ css: String, timeout: Duration = .seconds(10)) async throws {
        try await waitUntil("\(css) to be clickable", timeout: timeout) {
            let element = try await self.find(css)
            guard try await self.isDisplayed(element), try await self.isEnabled(element) else { return false }
            try await self.click(element)
            return true
        }
    }

    /// The element's rendered text, as a user sees it.
    public func text(of element: WebElement) async throws -> String {
        try await command("GET", "/element/\(element.id)/text").stringValue ?? ""
    }

    public func text(of css: String) async throws -> String {
        try await text(of: try await find(css))
    }

    /// An attribute's value, or nil when the element has none.
    public func attribute(_ name: String, of element: WebElement) async throws -> String? {
        try await command(
            "GET", "/element/\(element.id)/attribute/\(name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)"
        ).stringValue
    }

    /// A DOM property (`value`, `checked`, …).
    public func property(_ name: String, of element: WebElement) async throws -> JSONValue {
        try await command(
            "GET", "/element/\(element.id)/property/\(name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)")
    }

    public func isDisplayed(_ element: WebElement) async throws -> Bool {
        if case .bool(let shown) = try await command("GET", "/element/\(element.id)/displayed") { return shown }
        return false
    }

    public func isEnabled(_ element: WebElement) async throws -> Bool {
        if case .bool(let enabled) = try await command("GET", "/element/\(element.id)/enabled") { return enabled }
        return false
    }

    public func clear(_ element: WebElement) async throws {
        try await command("POST", "/element/\(element.id)/clear")
    }

    /// Types `text` into the element as keystrokes.
    public func type(_ text: String, into element: WebElement) async throws {
        try await command("POST", "/element/\(element.id)/value", .object(["text": .string(text)]))
    }

    /// Clears a field and types `text` into it.
    public func fill(_ css: String, with text: String) async throws {
        let element = try await waitFor(css, visible: true)
        try await clear(element)
        try await type(text, into: element)
    }

    /// Picks the option with `value` of the `<select>` at `selectCSS` by clicking it, as a
    /// user does (which fires `change`), and checks the select took it.
    public func select(value: String, in selectCSS: String, timeout: Duration = .seconds(10)) async throws {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let option = try await waitFor("\(selectCSS) option[value=\"\(escaped)\"]", timeout: timeout)
        try await click(option)
        let now = try await executeScript(
            "const s = document.querySelector(arguments[0]); return s ? s.value : null;", args: [.string(selectCSS)])
        guard now.stringValue == value else {
            throw WebDriverError("\(selectCSS) shows \(now.jsonString()) after clicking the option \(value)")
        }
    }

    // MARK: Scripts, screenshots, logs

    /// Runs `script` as a function body in the page (`arguments[i]` are `args`; pass
    /// ``WebElement/json`` for elements) and returns what it returns.
    @discardableResult
    public func executeScript(_ script: String, args: [JSONValue] = []) async throws -> JSONValue {
        try await command("POST", "/execute/sync", .object(["script": .string(script), "args": .array(args)]))
    }

    /// The visible viewport as PNG.
    public func screenshot() async throws -> Data {
        guard let base64 = try await command("GET", "/screenshot").stringValue,
            let png = Data(base64Encoded: base64, options: .ignoreUnknownCharacters)
        else {
            throw WebDriverError("the screenshot answer is not base64")
        }
        return png
    }

    /// The whole page as PNG, below the fold included, laid out at the current window
    /// size (so boxes sized in vh keep their size). Uses Chrome's DevTools command
    /// `Page.captureScreenshot` through chromedriver.
    public func fullPageScreenshot(maxHeight: Int = 6000) async throws -> Data {
        let size = try await executeScript(
            """
            const d = document.documentElement;
            return [Math.max(d.scrollWidth, d.clientWidth), Math.max(d.scrollHeight, document.body.scrollHeight)];
            """)
        guard case .array(let values) = size, values.count == 2,
            let width = values[0].intValue, let height = values[1].intValue
        else {
            throw WebDriverError("could not measure the page: \(size.jsonString())")
        }
        try await executeScript("window.scrollTo(0, 0);")
        let clip: JSONValue = .object([
            "x": .number(0), "y": .number(0), "width": .number(Double(width)),
            "height": .number(Double(min(height, maxHeight))), "scale": .number(1),
        ])
        let shot = try await devTools(
            "Page.captureScreenshot",
            [
                "format": .string("png"), "captureBeyondViewport": .bool(true), "clip": clip,
            ])
        guard let base64 = shot["data"]?.stringValue,
            let png = Data(base64Encoded: base64, options: .ignoreUnknownCharacters)
        else {
            throw WebDriverError("Page.captureScreenshot answered no image")
        }
        return png
    }

    /// Runs a Chrome DevTools Protocol command (chromedriver's `goog/cdp/execute`).
    @discardableResult
    public func devTools(_ command: String, _ parameters: [String: JSONValue] = [:]) async throws -> JSONValue {
        try await self.command("POST", "/goog/cdp/execute", .object(["cmd": .string(command), "params": .object(parameters)]))
    }

    public func windowRect() async throws -> (width: Int, height: Int) {
        let rect = try await command("GET", "/window/rect")
        return (rect["width"]?.intValue ?? 0, rect["height"]?.intValue ?? 0)
    }

    public func setWindowSize(width: Int, height: Int) async throws {
        try await command("POST", "/window/rect", .object(["width": .number(Double(width)), "height": .number(Double(height))]))
    }

    /// The browser console since the last call (level and message), e.g. CSP violations
    /// and script errors, which the page shows nowhere else.
    public func browserLog() async throws -> [(level: String, message: String)] {
        let value = try await command("POST", "/se/log", .object(["type": .string("browser")]))
        guard case .array(let entries) = value else { return [] }
        return entries.map { ($0["level"]?.stringValue ?? "", $0["message"]?.stringValue ?? "") }
    }

    /// The page's HTML as it is now.
    public func pageSource() async throws -> String {
        try await command("GET", "/source").stringValue ?? ""
    }

    // MARK: Waiting

    /// Polls `condition` until it holds; throws after `timeout`. A condition that throws
    /// "no such element" or "stale element reference" (the page re-rendered) counts as
    /// not yet; any other error ends the wait.
    public func waitUntil(
        _ what: String, timeout: Duration = .seconds(10), poll: Duration = .milliseconds(100),
        isolation: isolated (any Actor)? = #isolation,
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastError: WebDriverError? = nil
        while true {
            do {
                if try await condition() { return }
                lastError = nil
            } catch let error as WebDriverError where error.isTransient {
                lastError = error
            }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: poll)
        }
        throw WebDriverError(
            "timed out after \(timeout) waiting for \(what)" + (lastError.map { " (last: \($0))" } ?? ""))
    }
}

// MARK: - /proc
