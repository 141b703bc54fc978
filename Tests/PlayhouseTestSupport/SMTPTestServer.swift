import Foundation
import PlayhouseCore

/// A real SMTP server for tests: aiosmtpd (pinned in the Makefile's `.venv-test`) on a free
/// port of 127.0.0.1, run by `Tests/Scripts/smtp-server.py`, with a certificate made for it by
/// `openssl req` (for 127.0.0.1 and localhost), one user, and a folder where each message
/// it takes lands as a file.
public final class SMTPTestServer: Sendable {
    public enum TLS: Sendable {
        /// No TLS: AUTH is offered in clear, so a client that sent a password would be seen.
        case none
        /// STARTTLS offered, and AUTH only after it.
        case startTLS
        /// TLS from the first byte, as on port 465.
        case implicit
    }

    public let port: Int
    /// Where the messages and the AUTH log land.
    public let folder: String
    /// The server's self-signed certificate (PEM) for a client to trust; nil without TLS.
    public let certificate: String?
    private let process: ChildProcess

    public static let python = TestPaths.root + "/.venv-test/bin/python"
    static let script = TestPaths.root + "/Tests/Scripts/smtp-server.py"

    private init(port: Int, folder: String, certificate: String?, process: ChildProcess) {
        self.port = port
        self.folder = folder
        self.certificate = certificate
        self.process = process
    }

    /// Runs a server while `body` runs. `user` and `password` are the one sign-in it takes;
    /// `mechanisms` limits what AUTH offers (aiosmtpd offers LOGIN and PLAIN).
    public static func with<T>(
        tls: TLS = .startTLS, user: String? = "playhouse", password: String? = "s3cret-pass", mechanisms: [String]? = nil,
        _ body: (SMTPTestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(tls: tls, user: user, password: password, mechanisms: mechanisms)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private static func start(tls: TLS, user: String?, password: String?, mechanisms: [String]?) async throws -> SMTPTestServer {
        guard FileManager.default.isExecutableFile(atPath: python), (try? await TestTool.run(python, ["-c", "import aiosmtpd"])) != nil
        else {
            throw TestToolError("aiosmtpd is missing from .venv-test: run `make test-setup` (it installs the pinned version)")
        }
        let folder = try TestPaths.scratch("smtp")
        var arguments = [script, "--port", "", "--folder", folder]
        var certificate: String? = nil
        if tls != .none {
            try await TestTool.run(
                "openssl",
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", folder + "/key.pem", "-out", folder + "/cert.pem",
                ])
            certificate = folder + "/cert.pem"
            arguments += ["--cert", folder + "/cert.pem", "--key", folder + "/key.pem"]
            if tls == .implicit { arguments.append("--implicit-tls") }
        }
        if let user, let password { arguments += ["--user", user, "--password", password] }
        if let mechanisms { arguments += ["--mechanisms", mechanisms.joined(separator: ",")] }
        let port = try Loopback.freePort()
        arguments[2] = "\(port)"
        let log = folder + "/server.log"
        let process = try await ChildProcess.start(python, arguments: arguments, stderrPath: log)
        let server = SMTPTestServer(port: port, folder: folder, certificate: certificate, process: process)
        let deadline = ContinuousClock.now + .seconds(20)
        while (try? Loopback.connect(port: port, timeout: 1)).map({ close($0) }) == nil {
            guard ContinuousClock.now < deadline, kill(process.pid, 0) == 0 else {
                await server.stop()
                let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw TestToolError("the SMTP test server did not start on port \(port): \(said)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return server
    }

    func stop() async {
        await process.stop(killAfter: .seconds(2))
    }

    /// The messages taken so far, oldest first, as Python's email parser read them:
    /// `mail_from`, `rcpt_tos`, `tls`, `login`, `headers`, `content_type`, `text`, `html`.
    public func messages() -> [JSONValue] {
        numbered("json").compactMap { path in (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { JSONValue.parse(bytes: $0) } }
    }

    /// The messages taken so far, oldest first, byte for byte as they arrived after DATA.
    public func rawMessages() -> [String] {
        numbered("eml").compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
    }

    /// Each AUTH the server was sent: `MECHANISM LOGIN ok|refused`.
    public func authAttempts() -> [String] {
        ((try? String(contentsOfFile: folder + "/auth.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Waits until `count` messages have come, and returns them.
    public func waitForMessages(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + timeout
        while messages().count < count {
            guard ContinuousClock.now < deadline else {
                throw TestToolError("the SMTP test server got \(messages().count) of \(count) messages")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return messages()
    }

    /// `1.ext`, `2.ext`, … in the folder, in order.
    private func numbered(_ ext: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasSuffix("." + ext), let number = Int(name.dropLast(ext.count + 1)) else { return nil }
            return (number, folder + "/" + name)
        }
        .sorted { $0.0 < $1.0 }.map(\.1)
    }
}
