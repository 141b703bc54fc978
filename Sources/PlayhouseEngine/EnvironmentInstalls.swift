import Foundation
public import PlayhouseCore
import Subprocess
import SystemPackage

/// The virtualenvs of ``AnsibleEnvironment``s, one per definition in `environments` beside
/// the run directories, shared by every process using that runs directory.
///
/// A run never builds one: it asks ``installation(for:)`` and, when the environment is not
/// built, fails with ``EnvironmentNotBuilt`` so that its worker queues the job again and
/// calls ``build(_:)`` in the background.
public struct EnvironmentInstalls: Sendable {
    /// The folder of the virtualenvs.
    public let directory: String
    /// The Python that makes them (with `-m venv`): the one of the installation Playhouse
    /// runs by default, else the machine's `python3`.
    public let python: String

    static let folder = "environments"
    /// The file a finished build leaves: a virtualenv without it is never used.
    static let readyMark = ".ready"
    /// How long one build may take (pip downloading and compiling).
    public static let buildLimit: Duration = .seconds(1800)

    /// The environments of a runner: beside its run directories, made with the Python of
    /// its default installation.
    init(runsDirectory: String, ansible: AnsibleInstallation) {
        directory = runsDirectory + "/" + Self.folder
        let own = ansible.binDirectory + "/python3"
        python = FileManager.default.isExecutableFile(atPath: own) ? own : "python3"
    }

    /// The name of an environment's virtualenv: a digest of its definition and of the
    /// Python that builds it.
    public func key(of environment: AnsibleEnvironment) -> String {
        Digest.hex(([python, environment.ansibleCore] + environment.pythonPackages.sorted()).joined(separator: "\u{0}"))
    }

    /// The installation of a built environment; nil while it is not built on this machine.
    public func installation(for environment: AnsibleEnvironment) -> AnsibleInstallation? {
        let home = directory + "/" + key(of: environment)
        guard FileManager.default.fileExists(atPath: home + "/" + Self.readyMark) else { return nil }
        return AnsibleInstallation(binDirectory: home + "/bin")
    }

    /// Builds the environment unless it is built: a virtualenv, then ansible-core and the
    /// packages from PyPI (pip reads the machine's `PIP_*` settings and proxies, and nothing
    /// else of Playhouse's environment). Another process building the same one is waited for.
    ///
    /// - Returns: What pip printed; empty when the environment was built already.
    /// - Throws: ``RunnerError`` with pip's reason (its last error line) when the build fails;
    ///   nothing of it is left.
    public func build(_ environment: AnsibleEnvironment) async throws -> String {
        let key = key(of: environment)
        let home = directory + "/" + key
        try FileManager.default.createDirectory(atPath: directory + "/locks/" + key, withIntermediateDirectories: true)
        let lock = try await RunDirectoryLock.wait(for: directory + "/locks/" + key, limit: Self.buildLimit)
        defer { lock.release() }
        if FileManager.default.fileExists(atPath: home + "/" + Self.readyMark) { return "" }
        // A virtualenv cannot be moved (its scripts name their own path), so it is built in
        // place and marked ready at the end; what a failed or cut-short build left goes.
        try? FileManager.default.removeItem(atPath: home)
        let environmentVariables = Self.pipEnvironment(ProcessInfo.processInfo.environment)
        var log = "$ \(python) -m venv \(home)\n"
        let made = try await Command.run(
            .path(.init(python)), ["-m", "venv", home], environment: environmentVariables, limit: .seconds(300))
        log += made.output + made.errors
        guard made.succeeded else {
            try? FileManager.default.removeItem(atPath: home)
            throw RunnerError("could not make a virtualenv for \(environment.label): \(made.lastLine)")
        }
        let packages = ["ansible-core==" + environment.ansibleCore] + environment.pythonPackages
        log += "$ pip install \(packages.joined(separator: " "))\n"
        let installed = try await Command.run(
            .path(.init(home + "/bin/pip")), ["install", "--disable-pip-version-check", "--no-input", "--"] + packages,
            environment: environmentVariables, limit: Self.buildLimit)
        log += installed.output + installed.errors
        guard installed.succeeded else {
            try? FileManager.default.removeItem(atPath: home)
            throw EnvironmentBuildFailed(reason: Self.reason(installed.errors) ?? installed.lastLine, log: log)
        }
        guard FileManager.default.createFile(atPath: home + "/" + Self.readyMark, contents: nil) else {
            throw RunnerError("could not write \(home)/\(Self.readyMark)")
        }
        return log
    }

    /// What pip gets of Playhouse's environment: the path, home, locale and temporary
    /// folder, the machine's proxies and certificates, and its `PIP_*` settings (a private
    /// index); never Playhouse's own settings (`PLAYHOUSE_*` holds the database URL and
    /// passwords), since a package's build runs code of its own.
    static func pipEnvironment(_ inherited: [String: String]) -> [String: String] {
        let names: Set = [
            "PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy",
            "https_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
        ]
        return inherited.filter { names.contains($0.key) || $0.key.hasPrefix("LC_") || $0.key.hasPrefix("PIP_") }
    }

    /// pip's own reason: its last `ERROR:` line that says what it could not install ("No
    /// matching distribution found for …", "Cannot install … conflicting dependencies"),
    /// passing over the notes around it.
    private static func reason(_ errors: String) -> String? {
        let notes = ["Ignored the following", "ResolutionImpossible"]
        return errors.split(whereSeparator: \.isNewline)
            .filter { $0.hasPrefix("ERROR:") }
            .map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) }
            .last { line in !notes.contains { line.hasPrefix($0) } }
    }
}

/// A run whose Ansible environment is not built on this machine yet: its worker builds it
/// (``EnvironmentInstalls/build(_:)``) and queues the job again meanwhile.
public struct EnvironmentNotBuilt: Error, Sendable {
    /// The environment the run needs.
    public var environment: AnsibleEnvironment
    /// Where it was chosen: `playhouse.yml`, or the name of an admin's environment.
    public var source: String
}

/// A build that pip could not finish: ``reason`` is what to tell the jobs that wait for it.
public struct EnvironmentBuildFailed: Error, Sendable, CustomStringConvertible {
    /// pip's reason, one line: `No matching distribution found for ansible-core==0.0.1`.
    public var reason: String
    /// Everything the build printed.
    public var log: String

    public var description: String { "pip could not install the environment: \(reason)" }
}
