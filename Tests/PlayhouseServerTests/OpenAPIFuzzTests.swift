import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// schemathesis (pinned in the Makefile's `.venv-test`) over every operation of the OpenAPI
/// document, against the real `playhouse serve` signed in as its admin: no answer may be a
/// 5xx, the server may not crash, and every answer must match the document. The jobs it
/// launches run (one at a time), so events, streams and logs are checked too. What it
/// checks and leaves out, and why, is in `Tests/schemathesis.toml`.
///
/// The server and schemathesis share a network namespace of their own that has only
/// loopback: fuzzed URLs (git projects, HTTP inventories, survey choices, notifications)
/// then reach no other machine, and fail at once instead of waiting for a timeout. The run
/// prints its seed; `PLAYHOUSE_FUZZ_SEED=N` repeats it.
@Suite struct OpenAPIFuzzTests {
    static let schemathesis = TestPaths.root + "/.venv-test/bin/schemathesis"

    @Test func schemathesisFindsNoServerErrorNoCrashAndNoAnswerOutsideTheDocument() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.schemathesis),
            "schemathesis is missing from .venv-test: run `make test` (it installs the pinned version)")
        let scratch = try TestPaths.scratch("fuzz")
        // The names of the document's examples, and nothing a run could harm the machine with.
        let projects = try TestPaths.makeProject(
            "demo",
            files: [
                "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hello }\n",
                "inventory/local.ini": TestPaths.localInventory(["localhost"]),
            ])
        let database = scratch + "/playhouse.sqlite"
        // The admin signs the fuzzing in; the other user and token exist to be changed and
        // deleted by it, one template to get hooks made, the other to be triggered by its
        // hook, and a git project with SSH host keys to be confirmed and cleared (see
        // schemathesis.toml).
        let prepared = try await Store.withSQLite(path: database, logger: Logger(label: "fuzz")) { store in
            _ = try await store.users.create(name: "admin", role: .admin, password: "admin-password", cost: 4)
            let target = try await store.users.create(name: "fuzz-target", role: .viewer, password: "target-password", cost: 4)
            let (token, _) = try await store.users.createToken(userID: target.id, name: "fuzz-target", expiresAt: nil)
            let definition = TemplateDefinition(
                parameters: JobParameters(project: "demo", playbook: "hello.yml", inventory: "inventory/local.ini"),
                prompts: ["limit", "extra_vars"])
            let template = try await store.templates.create(name: "fuzz", definition: definition)
            let hooked = try await store.templates.create(name: "fuzz-hook", definition: definition)
            let hook = try await store.templates.createHook(for: .template(hooked.id), createdBy: "admin")
            _ = try await store.templates.saveGitProject(
                name: "fuzz-git", url: "ssh://git@127.0.0.1:2222/repo.git", branch: "main", credentialID: nil,
                knownHosts: "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJoXg8xLvAZTb5heJYWIrCXLGdTvbRzVR/3vRnzJpmJ3")
            return [
                "PLAYHOUSE_FUZZ_GIT_PROJECT": "fuzz-git",
                "PLAYHOUSE_FUZZ_USER_ID": "\(target.id)", "PLAYHOUSE_FUZZ_TOKEN_ID": "\(token.id)",
                "PLAYHOUSE_FUZZ_TEMPLATE_ID": "\(template.id)", "PLAYHOUSE_FUZZ_HOOK_TEMPLATE_ID": "\(hooked.id)",
                "PLAYHOUSE_FUZZ_HOOK_TOKEN": hook,
            ]
        }
        let token = try await PlayhouseProcess.adminToken(database: database)
        let seed = ProcessInfo.processInfo.environment["PLAYHOUSE_FUZZ_SEED"].flatMap(UInt32.init) ?? UInt32.random(in: 1...UInt32.max)
        let port = 8080

        let server = try Self.start(
            "/usr/bin/unshare",
            [
                "--net", "--", "/bin/sh", "-c", #"ip link set lo up && exec "$0" "$@""#, PlayhouseProcess.binary,
                "serve", "--port", "\(port)", "--database", database, "--projects", projects,
                "--runs-dir", scratch + "/runs", "--workers", "1", "--ansible-bin", TestPaths.ansibleBin,
            ],
            log: scratch + "/serve.log", in: scratch)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let namespace = try await Self.networkNamespace(of: server.processIdentifier)

        print("schemathesis seed \(seed) (PLAYHOUSE_FUZZ_SEED=\(seed) repeats this run)")
        let started = ContinuousClock.now
        let fuzz = try Self.start(
            "/usr/bin/nsenter",
            [
                "--net=\(namespace)", "--", Self.schemathesis, "--config-file", TestPaths.root + "/Tests/schemathesis.toml",
                "--no-color", "run", "http://127.0.0.1:\(port)/api/v1/openapi.json", "--wait-for-schema", "60",
                "--seed", "\(seed)", "--generation-database", "none",
            ],
            log: scratch + "/schemathesis.log", in: scratch,
            environment: prepared.merging(["PLAYHOUSE_FUZZ_TOKEN": token]) { $1 })
        let finished = await Self.wait(for: fuzz, atMost: .seconds(600))
        let output = (try? String(contentsOfFile: scratch + "/schemathesis.log", encoding: .utf8)) ?? ""
        print(output)
        print(
            "schemathesis seed \(seed), \(started.duration(to: .now)), "
                + "exit status \(finished ? "\(fuzz.terminationStatus)" : "none: stopped after 10 minutes")"
        )

        let passed = finished && fuzz.terminationStatus == 0
        if !passed {
            let log = (try? String(contentsOfFile: scratch + "/serve.log", encoding: .utf8)) ?? ""
            print(
                "the server's errors:\n"
                    + log.split(separator: "\n").filter { $0.contains(" error ") || $0.contains("Fatal") }.joined(separator: "\n"))
        }
        #expect(passed, "schemathesis found failures (above); the server's log is \(scratch)/serve.log")
        #expect(server.isRunning, "playhouse serve crashed during the fuzzing; see \(scratch)/serve.log")
        kill(server.processIdentifier, SIGTERM)
        #expect(await Self.wait(for: server, atMost: .seconds(30)) && server.terminationStatus == 0, "serve stops cleanly afterwards")
    }

    /// Starts a process with its output appended to `log`.
    static func start(
        _ executable: String, _ arguments: [String], log: String, in directory: String, environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The network namespace `pid` has moved into; waits for `unshare` to have made it, so
    /// that nothing joins this machine's own network by mistake.
    static func networkNamespace(of pid: Int32) async throws -> String {
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        let path = "/proc/\(pid)/ns/net"
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: path), namespace != own { return path }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("playhouse serve did not get a network namespace of its own (unshare --net)")
    }

    /// True once `process` has ended; false if it still runs after `limit` (it is then killed).
    static func wait(for process: Process, atMost limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }
}
