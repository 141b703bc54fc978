import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

/// The client commands (`playhouse login`, `launch`, `templates`, `jobs`, `workflows`) as a
/// CI step runs them: the real binary against a `serve` process it did not start, over
/// HTTP, with exit codes and output read as a script would.
@Suite(.serialized) struct ClientCommandTests {
    static let password = "client-tests-pw1"

    /// A `serve` of `projects` with the first admin's password known, and a scratch folder
    /// whose `config` is the client's `XDG_CONFIG_HOME`.
    static func withServer(
        projects: String, _ body: (_ port: Int, _ scratch: String) async throws -> Void
    ) async throws {
        let scratch = try TestPaths.scratch("client")
        let port = try Loopback.freePort()
        let server = try PlayhouseProcess.serve(
            port: port, database: scratch + "/playhouse.sqlite", projects: projects, runs: scratch + "/runs", log: scratch + "/serve.log",
            extra: ["--workers", "2", "--secret-key-file", scratch + "/secret.key"], environment: ["PLAYHOUSE_ADMIN_PASSWORD": password])
        defer { server.process.terminate() }
        try await server.waitUntilReady()
        try await body(port, scratch)
        await server.stop()
    }

    /// What a finished client command left: its exit status, standard output and error.
    struct Outcome {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs `playhouse ARGUMENTS` on a thread of its own, with `environment` over a clean
    /// one (no PLAYHOUSE_* of the machine) and `input` on standard input.
    static func client(_ arguments: [String], environment: [String: String], input: String? = nil) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        let tool = Process()
                        tool.executableURL = URL(fileURLWithPath: PlayhouseProcess.binary)
                        tool.arguments = arguments
                        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PLAYHOUSE_") }
                        base["NO_COLOR"] = nil
                        tool.environment = base.merging(environment) { $1 }
                        let out = Pipe()
                        let err = Pipe()
                        let stdin = Pipe()
                        tool.standardOutput = out
                        tool.standardError = err
                        tool.standardInput = stdin
                        try tool.run()
                        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
                        try stdin.fileHandleForWriting.close()
                        let errors = PipeReader(err)
                        let printed = out.fileHandleForReading.readDataToEndOfFile()
                        tool.waitUntilExit()
                        return Outcome(
                            status: tool.terminationStatus, out: String(decoding: printed, as: UTF8.self),
                            err: String(decoding: errors.wait(), as: UTF8.self))
                    })
            }
            .start()
        }
    }

    /// The job's whole log as stored, without colours: what a follower must have printed.
    static func storedLog(port: Int, job: Int) async throws -> String {
        try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(job)/stdout?ansi=0").body
    }

    static let slowPlaybook = """
        - hosts: all
          gather_facts: false
          tasks:
            - name: Step
              ansible.builtin.command: sleep 1
              loop: [1, 2, 3, 4, 5, 6]
            - ansible.builtin.debug: { msg: "after the steps" }
        """

    static func project() throws -> String {
        try TestPaths.makeProject(
            "ci",
            files: [
                "hosts.ini": TestPaths.localInventory(["alpha", "beta"]),
                "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: \"hello {{ who | default('x') }}\" }\n",
                "fail.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.fail: { msg: broken on purpose }\n",
                "slow.yml": slowPlaybook,
                "vars.yml": "answer: from-a-file\nnested: { list: [1, 2] }\n",
            ])
    }

    @Test func loginStoresATokenAndLaunchFollowsARunToAnExitCodeForEachStatus() async throws {
        try await Self.withServer(projects: try Self.project()) { port, scratch in
            let config = scratch + "/config"
            let env = ["XDG_CONFIG_HOME": config]
            let url = "http://127.0.0.1:\(port)"

            let wrong = try await Self.client(["login", url, "--name", "admin"], environment: env, input: "not-the-password\n")
            #expect(wrong.status == 1 && wrong.err.contains("name or password"), "\(wrong)")
            #expect(!FileManager.default.fileExists(atPath: config + "/playhouse/client.json"), "a refused sign-in stores nothing")

            let login = try await Self.client(["login", url + "/", "--name", "admin"], environment: env, input: Self.password + "\n")
            #expect(login.status == 0, "\(login)")
            let file = config + "/playhouse/client.json"
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "the token file is its owner's only")
            let folder = try FileManager.default.attributesOfItem(atPath: config + "/playhouse")
            #expect((folder[.posixPermissions] as? Int) == 0o700)
            let stored = try #require(JSONValue.parse(String(contentsOfFile: file, encoding: .utf8)))
            #expect(stored["url"] == .string(url) && stored["user"] == .string("admin"))
            #expect(stored["token"]?.stringValue?.hasPrefix("ph_") == true)
            #expect(!login.out.contains(stored["token"]?.stringValue ?? "-") && !login.err.contains(Self.password))

            let hello = try await Self.client(
                ["launch", "ci", "hello.yml", "-i", "hosts.ini", "-e", "who=ci", "--follow"], environment: env)
            #expect(hello.status == 0, "\(hello)")
            let helloID = try #require(Self.jobID(hello.err))
            #expect(hello.out.contains("hello ci") && hello.out.contains("PLAY RECAP"))
            #expect(hello.out == (try await Self.storedLog(port: port, job: helloID)), "the follower printed the log, each line once")
            #expect(!hello.out.contains("\u{1B}["), "no colours when the output is no terminal")

            let failed = try await Self.client(["launch", "ci", "fail.yml", "-i", "hosts.ini", "-f"], environment: env)
            #expect(failed.status == 2 && failed.out.contains("broken on purpose") && failed.err.contains("ended failed"), "\(failed)")

            let timedOut = try await Self.client(["launch", "ci", "slow.yml", "-i", "hosts.ini", "--timeout", "1", "-f"], environment: env)
            #expect(timedOut.status == 3 && timedOut.err.contains("ended error"), "\(timedOut)")

            async let following = Self.client(["launch", "ci", "slow.yml", "-i", "hosts.ini", "-f"], environment: env)
            let running = try await Self.waitForJob(port: port, status: "running", playbook: "slow.yml")
            let cancel = try await Self.client(["jobs", "cancel", String(running)], environment: env)
            #expect(cancel.status == 0 && cancel.out.contains("job #\(running)"), "\(cancel)")
            let canceled = try await following
            #expect(canceled.status == 4 && canceled.err.contains("ended canceled"), "\(canceled)")

            let overridden = try await Self.client(
                ["jobs", "list", "--output", "json"],
                environment: ["PLAYHOUSE_URL": url, "PLAYHOUSE_TOKEN": "ph_nothing", "XDG_CONFIG_HOME": config])
            #expect(overridden.status == 1 && overridden.err.contains("sign in first"), "PLAYHOUSE_TOKEN wins over the file: \(overridden)")
            let elsewhere = try await Self.client(["jobs", "list", "--url", "http://127.0.0.1:9"], environment: env)
            #expect(
                elsewhere.status == 1 && elsewhere.err.contains("not signed in to http://127.0.0.1:9"),
                "the stored token goes to the server that made it only: \(elsewhere)")
            let nowhere = try await Self.client(["jobs", "list"], environment: ["XDG_CONFIG_HOME": scratch + "/empty"])
            #expect(nowhere.status == 1 && nowhere.err.contains("playhouse login URL"), "\(nowhere)")
        }
    }

    @Test func outputJSONGivesScriptsTheAPIsDocuments() async throws {
        try await Self.withServer(projects: try Self.project()) { port, scratch in
            let token = try await PlayhouseProcess.adminToken(database: scratch + "/playhouse.sqlite")
            let env = ["PLAYHOUSE_URL": "http://127.0.0.1:\(port)", "PLAYHOUSE_TOKEN": token]
            let vars = scratch + "/more.json"
            try #"{"who": "json", "count": 3}"#.write(toFile: vars, atomically: true, encoding: .utf8)
            let launched = try await Self.client(
                ["launch", "ci", "hello.yml", "-i", "hosts.ini", "-e", "@" + TestPaths.root + "/../never", "--output", "json"],
                environment: env)
            #expect(launched.status == 64 && launched.err.contains("no such readable file"), "\(launched)")

            let made = try await Self.client(
                [
                    "launch", "ci", "hello.yml", "-i", "hosts.ini", "-e", "@\(vars)", "-e", "who=later", "--limit", "alpha", "--tags",
                    "a, b", "-C", "-D", "-vv", "--output", "json",
                ], environment: env)
            #expect(made.status == 0, "\(made)")
            let job = try #require(JSONValue.parse(made.out), "one JSON document: \(made.out)")
            #expect(job["status"] == .string("queued") && job["limit"] == .string("alpha") && job["check"] == .bool(true))
            #expect(job["diff"] == .bool(true) && job["verbosity"] == .number(2) && job["tags"] == .array([.string("a"), .string("b")]))
            #expect(job["extra_vars"]?["who"] == .string("later") && job["extra_vars"]?["count"] == .number(3), "later -e wins")
            let id = try #require(job["id"]?.intValue)

            let logs = try await Self.client(["jobs", "logs", String(id), "--follow", "--output", "json"], environment: env)
            #expect(logs.status == 0, "\(logs)")
            let ended = try #require(JSONValue.parse(logs.out), "the finished job on standard output, the log on standard error")
            #expect(ended["status"] == .string("successful") && logs.err.contains("PLAY RECAP"))

            let list = try await Self.client(["jobs", "list", "--status", "successful", "--output", "json"], environment: env)
            let jobs = try #require(JSONValue.parse(list.out)?["jobs"].flatMap(Self.array))
            #expect(jobs.count == 1 && jobs.first?["id"]?.intValue == id)
            let show = try await Self.client(["jobs", "show", String(id)], environment: env)
            #expect(show.out.contains("job #\(id) successful") && show.out.contains("alpha"), "\(show)")
            let all = try await Self.client(["jobs", "logs", String(id)], environment: env)
            #expect(all.out == (try await Self.storedLog(port: port, job: id)))
            let relaunched = try await Self.client(["jobs", "relaunch", String(id), "--follow"], environment: env)
            #expect(relaunched.status == 0 && relaunched.out.contains("PLAY RECAP"), "\(relaunched)")
            let missing = try await Self.client(["jobs", "show", "999999"], environment: env)
            #expect(missing.status == 1 && missing.err.contains("not found"), "the server's own words: \(missing)")
        }
    }

    @Test func aFollowerResumesWithLastEventIDAcrossDroppedConnectionsAndLosesNoLine() async throws {
        try await Self.withServer(projects: try Self.project()) { port, scratch in
            let token = try await PlayhouseProcess.adminToken(database: scratch + "/playhouse.sqlite")
            let proxyPort = try Loopback.freePort()
            let proxy = Process()
            // The venv's python itself: a shim (pyenv's) would leave the proxy behind when stopped.
            proxy.executableURL = URL(fileURLWithPath: TestPaths.ansibleBin + "/python3")
            proxy.arguments = [TestPaths.root + "/Tests/Scripts/drop-proxy.py", "\(proxyPort)", "\(port)", "2", "900"]
            let proxyOutput = Pipe()
            proxy.standardOutput = proxyOutput
            try proxy.run()
            // SIGKILL: under the test runner the proxy was seen to outlive SIGTERM.
            defer { kill(proxy.processIdentifier, SIGKILL) }
            let deadline = ContinuousClock.now + .seconds(10)
            while (try? Loopback.connect(port: proxyPort, timeout: 1)).map({ close($0) }) == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }

            let env = ["PLAYHOUSE_URL": "http://127.0.0.1:\(proxyPort)", "PLAYHOUSE_TOKEN": token]
            let run = try await Self.client(["launch", "ci", "slow.yml", "-i", "hosts.ini", "--follow"], environment: env)
            kill(proxy.processIdentifier, SIGKILL)
            let drops = String(decoding: proxyOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(drops.contains("dropped 2"), "the proxy cut two streams: \(drops)")
            #expect(run.status == 0, "\(run)")
            #expect(run.err.contains("reconnecting"), "\(run.err)")
            let id = try #require(Self.jobID(run.err))
            let stored = try await Self.storedLog(port: port, job: id)
            #expect(stored.contains("after the steps"))
            #expect(run.out == stored, "every line once, in order, across the drops")
        }
    }

    @Test func templatesAndWorkflowsLaunchByNameWithTypedSurveyAnswers() async throws {
        try await Self.withServer(projects: try Self.project()) { port, scratch in
            let token = try await PlayhouseProcess.adminToken(database: scratch + "/playhouse.sqlite")
            let env = ["PLAYHOUSE_URL": "http://127.0.0.1:\(port)", "PLAYHOUSE_TOKEN": token]
            let survey =
                #"[{"variable":"who","question":"Who?","type":"text","required":true},"#
                + #"{"variable":"count","question":"How many?","type":"integer","min":1,"max":5}]"#
            let template = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body: #"{"name":"greet","project":"ci","playbook":"hello.yml","inventory":"hosts.ini","survey":\#(survey)}"#)
            #expect(template.status == 201, "\(template.json.jsonString())")
            let failing = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body: #"{"name":"break","project":"ci","playbook":"fail.yml","inventory":"hosts.ini"}"#)
            #expect(failing.status == 201)
            let plain = try await RawHTTP.request(
                port: port, "POST", "/api/v1/templates",
                body: #"{"name":"plain","project":"ci","playbook":"hello.yml","inventory":"hosts.ini"}"#)
            #expect(plain.status == 201)

            let listed = try await Self.client(["templates", "list"], environment: env)
            #expect(listed.status == 0 && listed.out.contains("greet") && listed.out.contains("hello.yml"), "\(listed)")
            let greeted = try await Self.client(
                ["templates", "launch", "greet", "--survey", "who=survey", "--survey", "count=3", "--follow"], environment: env)
            #expect(greeted.status == 0 && greeted.out.contains("hello survey"), "\(greeted)")
            let typed = try await Self.client(["templates", "launch", "greet", "--survey", "count=many"], environment: env)
            #expect(typed.status == 64 && typed.err.contains("whole number"), "\(typed)")
            let unknown = try await Self.client(["templates", "launch", "greet", "--survey", "colour=red"], environment: env)
            #expect(unknown.status == 64 && unknown.err.contains("asks no \"colour\""), "\(unknown)")
            let refused = try await Self.client(
                ["templates", "launch", "greet", "--survey", "who=x", "--limit", "alpha"], environment: env)
            #expect(
                refused.status == 1 && refused.err.contains("limit"), "the server's refusal of a field it does not prompt for: \(refused)")
            let nothing = try await Self.client(["templates", "launch", "nope"], environment: env)
            #expect(nothing.status == 1 && nothing.err.contains("no template \"nope\""), "\(nothing)")

            let workflow = try await RawHTTP.request(
                port: port, "POST", "/api/v1/workflows",
                body: #"{"name":"release","nodes":[{"id":"first","type":"template","template":"break"},"#
                    + #"{"id":"recover","type":"template","template":"plain"}],"#
                    + #""edges":[{"from":"first","to":"recover","on":"on_failure"}]}"#)
            #expect(workflow.status == 201, "\(workflow.json.jsonString())")
            let released = try await Self.client(["workflows", "launch", "release", "--follow"], environment: env)
            #expect(released.status == 0, "\(released)")
            #expect(released.out.contains("first: failed") && released.out.contains("recover: successful"), "\(released.out)")
            let runID = try #require(released.err.firstMatch(of: /workflow job #(\d+)/).map { Int($0.1) ?? 0 })
            let shown = try await Self.client(["workflows", "show", String(runID), "--output", "json"], environment: env)
            #expect(JSONValue.parse(shown.out)?["status"] == .string("successful"), "\(shown)")

            let strict = try await RawHTTP.request(
                port: port, "POST", "/api/v1/workflows",
                body: #"{"name":"strict","nodes":[{"id":"only","type":"template","template":"break"}],"edges":[]}"#)
            #expect(strict.status == 201)
            let broken = try await Self.client(["workflows", "launch", "strict", "-f"], environment: env)
            #expect(broken.status == 2 && broken.err.contains("ended failed"), "\(broken)")
        }
    }

    static func array(_ value: JSONValue) -> [JSONValue]? {
        if case .array(let items) = value { return items }
        return nil
    }

    static func jobID(_ text: String) -> Int? {
        text.firstMatch(of: /job #(\d+)/).flatMap { Int($0.1) }
    }

    /// Polls the job list until a job of `playbook` has `status`; its id.
    static func waitForJob(port: Int, status: String, playbook: String) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let page = try await RawHTTP.request(port: port, "GET", "/api/v1/jobs?status=\(status)&playbook=\(playbook)")
            if let id = page.json["jobs"].flatMap(Self.array)?.first?["id"]?.intValue { return id }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("no \(status) job of \(playbook) within 60 s")
    }
}

/// Reads a pipe to its end on a thread of its own, so a child that fills one pipe while
/// the test reads the other never blocks.
private final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        Thread {
            self.data = pipe.fileHandleForReading.readDataToEndOfFile()
            self.done.signal()
        }
        .start()
    }

    /// Everything read, once the writer closed its end.
    func wait() -> Data {
        done.wait()
        return data
    }
}
