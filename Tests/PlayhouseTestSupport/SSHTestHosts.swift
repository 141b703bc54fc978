import Foundation
import Subprocess
import Synchronization

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Real SSH hosts for tests: plain `sshd` processes on 127.0.0.1, one per host, each with
/// its own port and host key, started and owned by the test.
///
/// Every host accepts the same generated client key for ``user``: a dedicated unprivileged
/// user (`playhouse-test`, created once if missing) whose login shell reads no rc files, so
/// an SSH command costs no `pyenv init` (FACTS). Only when that user cannot be made does
/// it fall back to root. Nothing listens anywhere but 127.0.0.1.
///
/// Always ``stop()`` the hosts (``withSSHTestHosts(count:_:)`` does it in every path);
/// `sshd` processes left by a test process that died are swept by the next ``start(count:)``.
public final class SSHTestHosts: Sendable {
    /// One SSH host: its inventory name and the port its `sshd` listens on (127.0.0.1).
    public struct Host: Sendable, Equatable {
        public let name: String
        public let port: Int
    }

    /// The hosts, named `h1`, `h2`, …
    public let hosts: [Host]
    /// The client private key every host accepts (ed25519, no passphrase).
    public let privateKeyPath: String
    /// The remote user to log in as.
    public let user: String
    /// A Python 3 the remote user can run.
    public let pythonInterpreter: String
    /// The temporary folder holding keys, configs, pid files and logs; removed by ``stop()``.
    public let directory: String

    private let daemons: [SSHDaemon]
    private let reservedSockets = Mutex<[Int32]>([])
    private let stopped = Mutex(false)

    /// The unprivileged test user the hosts log in as.
    public static let testUserName = "playhouse-test"
    static let sshdPath = "/usr/sbin/sshd"
    static let sshKeygenPath = "/usr/bin/ssh-keygen"
    static let sshKeyscanPath = "/usr/bin/ssh-keyscan"
    static let directoryPrefix = "playhouse-sshd-"

    private init(
        hosts: [Host], privateKeyPath: String, user: String, pythonInterpreter: String,
        directory: String, daemons: [SSHDaemon]
    ) {
        self.hosts = hosts
        self.privateKeyPath = privateKeyPath
        self.user = user
        self.pythonInterpreter = pythonInterpreter
        self.directory = directory
        self.daemons = daemons
    }

    deinit {
        for fd in reservedSockets.withLock({ $0 }) { close(fd) }
    }

    // MARK: Starting and stopping

    /// Starts `count` `sshd` processes on free ports of 127.0.0.1 and returns once each one
    /// answers with its SSH banner.
    public static func start(count: Int) async throws -> SSHTestHosts {
        precondition(count >= 0, "count must not be negative")
        for tool in [sshdPath, sshKeygenPath] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw SSHTestHostsError(
                "\(tool) is missing: the SSH tests need Debian's openssh-server; run `make test` "
                    + "(it installs the test packages) or `apt-get install openssh-server`")
        }
        sweepLeftovers()
        let python = try remotePython()
        let user = await TestUser.ensure()
        if getuid() == 0 {
            // sshd refuses to start without its privilege separation folder.
            try? FileManager.default.createDirectory(
                atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }

        let directory = NSTemporaryDirectory() + directoryPrefix + "\(getpid())-" + UUID().uuidString.prefix(8).lowercased()
        // 0755: sshd reads authorized_keys with the user's rights.
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        var daemons: [SSHDaemon] = []
        do {
            let clientKey = directory + "/client_key"
            try await keygen(clientKey, comment: "playhouse-test-client")
            let authorizedKeys = directory + "/authorized_keys"
            try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: authorizedKeys)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: authorizedKeys)

            var hosts: [Host] = []
            for index in 0..<count {
                let name = "h\(index + 1)"
                let hostDirectory = directory + "/" + name
                try FileManager.default.createDirectory(
                    atPath: hostDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
                try await keygen(hostDirectory + "/host_key", comment: name)
                let daemon = try await SSHDaemon.start(
                    directory: hostDirectory, authorizedKeys: authorizedKeys, user: user)
                daemons.append(daemon)
                hosts.append(Host(name: name, port: daemon.port))
            }
            return SSHTestHosts(
                hosts: hosts, privateKeyPath: clientKey, user: user, pythonInterpreter: python,
                directory: directory, daemons: daemons)
        } catch {
            for daemon in daemons { await daemon.stop() }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Stops every `sshd` (and the sessions it still serves) and removes the temporary
    /// folder. Safe to call more than once.
    public func stop() async {
        let first = stopped.withLock { stopped -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        await withTaskGroup(of: Void.self) { group in
            for daemon in daemons { group.addTask { await daemon.stop() } }
        }
        for fd in reservedSockets.withLock({ fds in
            defer { fds = [] }
            return fds
        }) { close(fd) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Host keys

    /// The host key of `host` as a `known_hosts` line names it: `[127.0.0.1]:PORT ssh-ed25519 AAAA…`.
    public func knownHostsLine(of host: Host) throws -> String {
        let publicKey = try String(contentsOfFile: directory + "/" + host.name + "/host_key.pub", encoding: .utf8)
        return "[127.0.0.1]:\(host.port) " + publicKey.split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// Gives `host` a new host key, as a server whose key was replaced (or a machine in its
    /// place) would offer: its `sshd` reads its keys again (SIGHUP) and serves the new one
    /// on the same port. Returns once the host offers it.
    public func replaceHostKey(of host: Host) async throws {
        guard let index = hosts.firstIndex(of: host) else { throw SSHTestHostsError("\(host.name) is not one of these hosts") }
        let key = directory + "/" + host.name + "/host_key"
        for path in [key, key + ".pub"] { try FileManager.default.removeItem(atPath: path) }
        try await Self.keygen(key, comment: host.name)
        let offered = try knownHostsLine(of: host)
        kill(daemons[index].pid, SIGHUP)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let scan = try await ToolRun.run(Self.sshKeyscanPath, ["-T", "2", "-t", "ed25519", "-p", String(host.port), "127.0.0.1"])
            if scan.text.contains(offered) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SSHTestHostsError("\(host.name) did not offer its new host key within 10 s")
    }

    // MARK: Inventory

    /// An INI inventory with every host in group `[ssh]`, plus `extraHosts` (name → port on
    /// 127.0.0.1) and `extraLines` (whole host lines), all sharing the connection variables.
    public func inventory(extraHosts: [String: Int] = [:], extraLines: [String] = []) -> String {
        var lines = ["[ssh]"]
        for host in hosts { lines.append(Self.hostLine(name: host.name, port: host.port)) }
        for (name, port) in extraHosts.sorted(by: { $0.key < $1.key }) {
            lines.append(Self.hostLine(name: name, port: port))
        }
        lines += extraLines
        lines += [
            "",
            "[ssh:vars]",
            "ansible_user=\(user)",
            "ansible_ssh_private_key_file=\(privateKeyPath)",
            "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
            "ansible_python_interpreter=\(pythonInterpreter)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Lets every host accept one more client key (an OpenSSH public key line) from now on.
    public func authorize(publicKey: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/authorized_keys"))
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data((publicKey.trimmingCharacters(in: .whitespacesAndNewlines) + "\n").utf8))
    }

    /// An inventory host line for a port of 127.0.0.1 where nothing listens: the port stays
    /// bound (never listening) until ``stop()``, so a connection is always refused.
    public func unreachableHost(name: String) throws -> String {
        Self.hostLine(name: name, port: try unreachablePort())
    }

    /// A port of 127.0.0.1 where connections are refused until ``stop()``.
    public func unreachablePort() throws -> Int {
        let (fd, port) = try Loopback.bind()
        reservedSockets.withLock { $0.append(fd) }
        return port
    }

    static func hostLine(name: String, port: Int) -> String {
        "\(name) ansible_host=127.0.0.1 ansible_port=\(port)"
    }

    // MARK: Probing

    /// The SSH identification line of whatever listens on 127.0.0.1:`port`, or nil when
    /// nothing answers like an SSH server within `timeout` seconds.
    public static func sshBanner(port: Int, timeout: Double = 2) -> String? {
        guard let fd = try? Loopback.connect(port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while !received.contains(UInt8(ascii: "\n")), received.count < 1024 {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        let line = String(decoding: received, as: UTF8.self)
            .split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let line, line.hasPrefix("SSH-") else { return nil }
        return line
    }

    // MARK: Helpers

    private static func keygen(_ path: String, comment: String) async throws {
        let result = try await ToolRun.run(
            sshKeygenPath, ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path])
        guard result.succeeded else {
            throw SSHTestHostsError("ssh-keygen failed for \(path): \(result.text)")
        }
    }

    /// A Python 3 that any user can run (the pyenv one under /root is not readable by others).
    private static func remotePython() throws -> String {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] {
            var info = stat()
            guard stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if info.st_mode & 0o001 != 0 { return candidate }
        }
        throw SSHTestHostsError(
            "no python3 usable by every user in /usr/bin or /usr/local/bin; install python3 (Debian: apt-get install python3)")
    }

    /// Kills `sshd` processes and removes folders left by test processes that no longer exist.
    private static func sweepLeftovers() {
        let base = NSTemporaryDirectory() + directoryPrefix
        func ownerIsGone(_ path: Substring) -> Bool {
            guard let owner = path.split(separator: "-").first.flatMap({ pid_t($0) }), owner > 0 else { return false }
            return kill(owner, 0) != 0 && errno == ESRCH
        }
        // The listener retitles itself "sshd: /usr/sbin/sshd -D -e -f <config> [listener] …".
        for process in ProcessCheck.processes(containing: base) where process.command.contains("sshd") {
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

/// Starts SSH test hosts, runs `body` with them and stops them however `body` ends.
public func withSSHTestHosts<T>(
    count: Int, isolation: isolated (any Actor)? = #isolation,
    _ body: (SSHTestHosts) async throws -> T
) async throws -> T {
    let hosts = try await SSHTestHosts.start(count: count)
    do {
        let result = try await body(hosts)
        await hosts.stop()
        return result
    } catch {
        await hosts.stop()
        throw error
    }
}

/// Why the SSH test hosts could not be set up; the message says what to do.
public struct SSHTestHostsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// MARK: - One sshd

/// One `sshd -D -e` process owned by the test.
private final class SSHDaemon: Sendable {
    let port: Int
    private let child: ChildProcess
    var pid: pid_t { child.pid }

    private init(port: Int, child: ChildProcess) {
        self.port = port
        self.child = child
    }

    /// Starts `sshd` on a free port, retrying with another port when the chosen one was
    /// taken in between.
    static func start(directory: String, authorizedKeys: String, user: String) async throws -> SSHDaemon {
        var failures: [String] = []
        attempts: for _ in 0..<4 {
            let (fd, port) = try Loopback.bind()
            close(fd)
            let config = directory + "/sshd_config"
            try configuration(directory: directory, port: port, authorizedKeys: authorizedKeys, user: user)
                .write(toFile: config, atomically: true, encoding: .utf8)
            let daemon = try await launch(config: config, log: directory + "/sshd.log", port: port)
            switch await daemon.waitUntilReady(pidFile: directory + "/sshd.pid") {
            case .ready:
                return daemon
            case .exited:
                await daemon.stop()
                let log = (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? ""
                failures.append("port \(port): \(log.trimmingCharacters(in: .whitespacesAndNewlines))")
                if !log.contains("Address already in use") { break attempts }
            case .timedOut:
                await daemon.stop()
                let log = (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? ""
                failures.append("port \(port): no SSH banner within 10 s. \(log)")
            }
        }
        throw SSHTestHostsError("sshd did not start (\(directory)): " + failures.joined(separator: "; "))
    }

    static func configuration(directory: String, port: Int, authorizedKeys: String, user: String) -> String {
        """
        # Playhouse SSH test host; nothing but 127.0.0.1.
        ListenAddress 127.0.0.1
        Port \(port)
        HostKey \(directory)/host_key
        PidFile \(directory)/sshd.pid
        AuthorizedKeysFile \(authorizedKeys)
        AllowUsers \(user)
        PubkeyAuthentication yes
        PasswordAuthentication yes
        PermitEmptyPasswords no
        KbdInteractiveAuthentication no
        PermitRootLogin prohibit-password
        UsePAM no
        StrictModes no
        UseDNS no
        PrintMotd no
        PrintLastLog no
        X11Forwarding no
        AllowAgentForwarding no
        MaxStartups 100
        MaxSessions 100
        Subsystem sftp internal-sftp
        LogLevel ERROR

        """
    }

    private static func launch(config: String, log: String, port: Int) async throws -> SSHDaemon {
        let child = try await ChildProcess.start(SSHTestHosts.sshdPath, arguments: ["-D", "-e", "-f", config], stderrPath: log)
        return SSHDaemon(port: port, child: child)
    }

    enum Readiness { case ready, exited, timedOut }

    /// Ready once sshd wrote its pid file (it does after binding) and answers with a banner.
    private func waitUntilReady(pidFile: String) async -> Readiness {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            guard ProcessCheck.isRunning(pid) else { return .exited }
            let written = (try? String(contentsOfFile: pidFile, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if written == String(pid), SSHTestHosts.sshBanner(port: port, timeout: 1) != nil { return .ready }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return .timedOut
    }

    /// Stops the listener and every session process it started (they would otherwise keep
    /// serving open connections, e.g. ssh ControlPersist masters).
    func stop() async {
        let sessions = ProcessCheck.descendants(of: pid)
        for session in sessions { kill(session, SIGTERM) }
        await child.stop(killAfter: .seconds(3))
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline, sessions.contains(where: { ProcessCheck.isRunning($0) }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for session in sessions where ProcessCheck.isRunning(session) { kill(session, SIGKILL) }
    }
}

// MARK: - Accounts

/// Local accounts for tests that log in or escalate with a password; needs root.
public enum TestAccounts {
    /// Makes sure the unprivileged account `name` exists (a home folder, no password yet).
    public static func ensure(_ name: String) async throws {
        guard getuid() == 0 else { throw SSHTestHostsError("creating the account \(name) needs root") }
        guard getpwnam(name) == nil else { return }
        let result = try await ToolRun.run(
            "/usr/sbin/useradd", ["--create-home", "--shell", "/bin/sh", "--password", "*", "--comment", "Playhouse tests", name])
        // 9: the name is taken (someone else was faster).
        guard result.succeeded || result.exitCode == 9 else {
            throw SSHTestHostsError("useradd \(name) failed: \(result.text)")
        }
    }

    /// Sets the login password of `name`, through chpasswd's input (never its argv).
    public static func setPassword(_ password: String, for name: String) async throws {
        guard getuid() == 0 else { throw SSHTestHostsError("setting the password of \(name) needs root") }
        let result = try await Subprocess.run(
            .path(FilePath("/usr/sbin/chpasswd")), arguments: [], input: .string("\(name):\(password)\n"),
            output: .string(limit: 64 * 1024), error: .string(limit: 64 * 1024))
        guard result.terminationStatus.isSuccess else {
            throw SSHTestHostsError("chpasswd for \(name) failed: \(result.standardError)")
        }
    }
}

// MARK: - The test user

private enum TestUser {
    private static let known = Mutex<String?>(nil)

    /// The user the hosts log in as: `playhouse-test` (created once if missing, under a
    /// file lock so concurrent tests and test processes agree), else root.
    static func ensure() async -> String {
        if let user = known.withLock({ $0 }) { return user }
        let user: String
        if getuid() != 0 {
            // Without root, sshd can only log in the user that runs it.
            user = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
        } else {
            user = await withFileLock(NSTemporaryDirectory() + "playhouse-test-user.lock") {
                await create(SSHTestHosts.testUserName) ? SSHTestHosts.testUserName : "root"
            }
        }
        known.withLock { $0 = user }
        return user
    }

    /// Makes `name` a login-able user (no password, not locked) with a home folder.
    private static func create(_ name: String) async -> Bool {
        do {
            try await TestAccounts.ensure(name)
        } catch {
            print("SSHTestHosts: could not create user \(name), falling back to root: \(error)")
            return false
        }
        guard let entry = getpwnam(name) else { return false }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        let home = String(cString: entry.pointee.pw_dir)
        // Without PAM, sshd refuses an account whose password starts with "!" (locked).
        if shadowPassword(of: name)?.hasPrefix("!") == true {
            let result = try? await ToolRun.run("/usr/sbin/usermod", ["--password", "*", name])
            guard result?.succeeded == true else { return false }
        }
        // Ansible needs a writable home for ~/.ansible/tmp.
        if !FileManager.default.fileExists(atPath: home) {
            guard
                (try? FileManager.default.createDirectory(
                    atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])) != nil,
                chown(home, uid, gid) == 0
            else { return false }
        }
        return true
    }

    private static func shadowPassword(of name: String) -> String? {
        guard let shadow = try? String(contentsOfFile: "/etc/shadow", encoding: .utf8) else { return nil }
        for line in shadow.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 1, fields[0] == name { return String(fields[1]) }
        }
        return nil
    }

    /// Runs `body` holding an exclusive `flock` on `path` (polled, so no thread blocks).
    private static func withFileLock<T>(_ path: String, _ body: () async -> T) async -> T {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return await body() }
        defer { close(fd) }
        let deadline = ContinuousClock.now + .seconds(60)
        while flock(fd, LOCK_EX | LOCK_NB) != 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        defer { flock(fd, LOCK_UN) }
        return await body()
    }
}

// MARK: - Small process helpers

/// Runs a tool to its end and keeps what it printed.
private enum ToolRun {
    struct Result {
        var exitCode: Int32?
        var text: String
        var succeeded: Bool { exitCode == 0 }
    }

    static func run(_ path: String, _ arguments: [String]) async throws -> Result {
        let result = try await Subprocess.run(
            .path(FilePath(path)), arguments: Arguments(arguments),
            input: .none, output: .string(limit: 64 * 1024), error: .string(limit: 64 * 1024))
        var code: Int32? = nil
        if case .exited(let value) = result.terminationStatus { code = value }
        let text = [result.standardOutput, result.standardError].compactMap { $0 }.joined()
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return Result(exitCode: code, text: text)
    }
}
