import Foundation
import PlayhouseCore
import Subprocess
import SystemPackage

/// `roles/requirements.yml` and `collections/requirements.yml` of a checkout, installed
/// with `ansible-galaxy` once per content into `galaxy-cache` beside the run directories,
/// and reused by every run whose file reads the same (with the same ansible-core): a run
/// whose requirements are cached needs no network. An entry no run used for
/// ``unusedFor`` is removed when another is installed.
enum GalaxyRequirements {
    static let folder = "galaxy-cache"
    static let unusedFor: TimeInterval = 30 * 24 * 3600
    /// How long a run waits for another run installing the same requirements.
    static let lockWait: Duration = .seconds(900)

    /// Points Ansible at what the checkout requires, installing it first when no run has;
    /// returns the environment to add, what the run should print, and the cache entries used.
    static func install(
        checkout: String, in directory: String, ansible: AnsibleInstallation, environment: [String: String]
    ) async throws -> (environment: [String: String], log: String, entries: [CachedRequirements]) {
        let cache = URL(fileURLWithPath: directory).deletingLastPathComponent().path + "/" + folder
        var added: [String: String] = [:]
        var log = ""
        var entries: [CachedRequirements] = []
        // Roles are also looked up in the checkout's own roles folder; collections only where installed.
        let kinds = [
            (kind: "role", file: "roles/requirements.yml", variable: "ANSIBLE_ROLES_PATH", alsoIn: [checkout + "/roles"]),
            (kind: "collection", file: "collections/requirements.yml", variable: "ANSIBLE_COLLECTIONS_PATH", alsoIn: []),
        ]
        for requirement in kinds {
            guard let content = FileManager.default.contents(atPath: checkout + "/" + requirement.file) else { continue }
            let key = requirement.kind + "-" + digest(content, ansible: ansible.binDirectory)
            let (target, installed) = try await entry(
                key, in: cache, kind: requirement.kind, file: checkout + "/" + requirement.file, checkout: checkout, ansible: ansible,
                environment: environment)
            log += installed ?? "Requirements of \(requirement.file) from the cache (\(key))\n"
            // Nothing is made in an entry after its mark, which is made last when it is installed.
            let installedAt = (try? FileManager.default.attributesOfItem(atPath: target)[.modificationDate]) as? Date
            entries.append(CachedRequirements(key: key, file: requirement.file, installedAt: installedAt ?? Date()))
            let paths = [target] + requirement.alsoIn + [environment[requirement.variable]].compactMap { $0 }
            added[requirement.variable] = paths.joined(separator: ":")
        }
        return (added, log, entries)
    }

    /// The cache entry `key`, installed now when missing: its path, and ansible-galaxy's
    /// output when it was installed by this call.
    private static func entry(
        _ key: String, in cache: String, kind: String, file: String, checkout: String, ansible: AnsibleInstallation,
        environment: [String: String]
    ) async throws -> (path: String, installed: String?) {
        let target = cache + "/" + key
        let used = target + "/.used"
        if FileManager.default.fileExists(atPath: used) {
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: used)
            return (target, nil)
        }
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let lock = try await RunDirectoryLock.wait(for: try lockFolder(cache, key), limit: lockWait)
        defer { lock.release() }
        if FileManager.default.fileExists(atPath: used) { return (target, nil) }
        // An entry without its mark is what a removal cut short left.
        try? FileManager.default.removeItem(atPath: target)
        // Installed aside, then moved into place whole: a run never sees half an entry.
        let staging = cache + "/installing-" + key
        try? FileManager.default.removeItem(atPath: staging)
        let result = try await Command.run(
            .path(.init(ansible.binDirectory + "/ansible-galaxy")), [kind, "install", "-r", file, "-p", staging],
            environment: environment, workingDirectory: checkout)
        guard result.succeeded else {
            try? FileManager.default.removeItem(atPath: staging)
            throw RunnerError("ansible-galaxy could not install \(file.dropFirst(checkout.count + 1)): \(result.lastLine)")
        }
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: staging + "/.used", contents: nil) else {
            throw RunnerError("could not write \(staging)/.used")
        }
        try FileManager.default.moveItem(atPath: staging, toPath: target)
        removeUnused(in: cache)
        return (target, result.output)
    }

    /// Entries no run has used for ``unusedFor``, each under its own lock (a run about to
    /// install it waits), its mark removed first: an entry without one is never used.
    private static func removeUnused(in cache: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        let cutoff = Date().addingTimeInterval(-unusedFor)
        for name in names where name.hasPrefix("role-") || name.hasPrefix("collection-") {
            let used = cache + "/" + name + "/.used"
            guard let when = try? FileManager.default.attributesOfItem(atPath: used)[.modificationDate] as? Date, when < cutoff,
                let folder = try? lockFolder(cache, name), let lock = try? RunDirectoryLock.take(folder)
            else { continue }
            defer { lock.release() }
            try? FileManager.default.removeItem(atPath: used)
            try? FileManager.default.removeItem(atPath: cache + "/" + name)
        }
    }

    private static func lockFolder(_ cache: String, _ key: String) throws -> String {
        let folder = cache + "/locks/" + key
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The requirements file's content and the ansible-core that installs it (its version,
    /// read from its package's metadata in the venv, and where it is), digested.
    static func digest(_ content: Data, ansible: String) -> String {
        let venv = URL(fileURLWithPath: ansible).deletingLastPathComponent().path
        let lib = venv + "/lib"
        let packages = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).flatMap { python in
            ((try? FileManager.default.contentsOfDirectory(atPath: lib + "/" + python + "/site-packages")) ?? [])
                .filter { $0.hasPrefix("ansible_core-") }
        }
        return Digest.hex(String(decoding: content, as: UTF8.self) + "\u{0}" + ansible + "\u{0}" + packages.sorted().joined(separator: ","))
    }
}
