import Foundation
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@Suite struct JobAPITests {
    static let demo = #"{"project":"demo","playbook":"progress.yml","inventory":"inventory/local.ini","extra_vars":"pause_seconds: 0"}"#

    @Test func launchAnswersAtOnceAndTheJobRunsToTheEnd() async throws {
        try await ServerFixture.with { client, store in
            let response = try await client.json(.post, "/api/v1/jobs", body: Self.demo)
            #expect(response.status == .accepted)
            let id = try #require(response.json["id"]?.intValue)
            #expect(response.headers[.location] == "/api/v1/jobs/\(id)")
            #expect(["queued", "running"].contains(response.json["status"]?.stringValue ?? ""))
            #expect(try await store.jobs.find(Int64(id)) != nil, "the job is durable before the reply")

            let job = try await client.waitForEnd(Int64(id))
            #expect(job["status"] == .string("successful"))
            #expect(job["exit_code"] == .number(0))
            #expect(job["error"] == .null)
            #expect(job["progress"]?["percent"] == .number(100))
            #expect(job["progress"]?["tasks_total"] == .number(7))
            for host in ["web1", "web2", "db1"] {
                #expect(job["hosts"]?[host]?["changed"] == .number(2))
                #expect(job["hosts"]?[host]?["ignored"] == .number(1))
                #expect(job["hosts"]?[host]?["skipped"] == .number(1))
            }
            for key in ["created_at", "started_at", "finished_at"] {
                #expect(job[key]?.stringValue?.contains("T") == true)
            }

            let page = try await client.json(.get, "/api/v1/jobs/\(id)/events?after=0&limit=5").json
            guard case .array(let events)? = page["events"] else { throw TestFailure("no events") }
            #expect(events.count == 5)
            #expect(events.first?["type"] == .string("playbook_on_start"))
            #expect(page["next_after"] == .number(5))
            for key in ["seq", "type", "time", "play", "task", "host", "changed", "failed", "message", "data"] {
                #expect(events[2][key] != nil, "event has \(key)")
            }
            let all = try await client.json(.get, "/api/v1/jobs/\(id)/events?limit=1000").json
            guard case .array(let everything)? = all["events"] else { throw TestFailure("no events") }
            #expect(everything.last?["type"] == .string("playbook_on_stats"))
            #expect(everything.map { $0["seq"]?.intValue ?? 0 } == Array(1...everything.count))
            #expect(job["events"] == .number(Double(everything.count)), "the job counts its stored events")

            let (status, headers, log) = try await client.text("/api/v1/jobs/\(id)/stdout")
            #expect(status == .ok)
            #expect(headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(log.contains("PLAY RECAP"))
            #expect(log.contains("\u{1B}["))
            let (_, _, plain) = try await client.text("/api/v1/jobs/\(id)/stdout?ansi=0")
            #expect(plain.contains("PLAY RECAP"))
            #expect(!plain.contains("\u{1B}"))

            let list = try await client.json(.get, "/api/v1/jobs?status=successful&limit=10").json
            #expect(list["jobs"]?.jsonString().contains("\"id\":\(id)") == true)
        }
    }

    @Test func aFailingPlaybookEndsFailedAndAMissingOneEndsError() async throws {
        try await ServerFixture.with { client, _ in
            let failing = try await client.launch(#"{"project":"demo","playbook":"fail.yml","inventory":"inventory/local.ini"}"#)
            let missing = try await client.launch(#"{"project":"demo","playbook":"no-such.yml","inventory":"inventory/local.ini"}"#)
            let failed = try await client.waitForEnd(failing)
            #expect(failed["status"] == .string("failed"))
            #expect(failed["hosts"]?["web1"]?["failed"] == .number(1))
            let error = try await client.waitForEnd(missing)
            #expect(error["status"] == .string("error"))
            #expect(error["error"]?.stringValue?.contains("could not be found") == true)
        }
    }

    @Test func theDynamicInventoryScriptSeesTheLaunchEnvironment() async throws {
        try await ServerFixture.with { client, _ in
            let backend = try await client.launch(
                #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/cmdb.py","env":{"CMDB_GROUP":"backend"}}"#)
            let job = try await client.waitForEnd(backend)
            #expect(job["status"] == .string("successful"))
            guard case .object(let hosts)? = job["hosts"] else { throw TestFailure("no hosts") }
            #expect(Set(hosts.keys) == ["api1", "worker1"])
            let unknown = try await client.launch(
                #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/cmdb.py","env":{"CMDB_GROUP":"nobody"}}"#)
            let failed = try await client.waitForEnd(unknown)
            #expect(failed["status"] == .string("error"))
            #expect(failed["error"]?.stringValue?.contains("unknown group") == true, "\(failed["error"] ?? .null)")
        }
    }

    @Test func badInputGetsAClearFourHundred() async throws {
        try await ServerFixture.with { client, _ in
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"project":"demo","playbook":"../../etc/passwd","inventory":"inventory/local.ini"}"#, .badRequest, "leaves the project"),
                (#"{"project":"demo","playbook":"/etc/passwd","inventory":"inventory/local.ini"}"#, .badRequest, "absolute"),
                (#"{"project":"demo","playbook":"hello.yml","inventory":"../demo/../../x"}"#, .badRequest, "leaves the project"),
                (#"{"project":"..","playbook":"hello.yml","inventory":"x"}"#, .badRequest, "project"),
                (#"{"project":"nope","playbook":"hello.yml","inventory":"x"}"#, .badRequest, "unknown project"),
                (#"{"project":"demo","playbook":"hello.yml""#, .badRequest, "not valid JSON"),
                (#"[1,2]"#, .badRequest, "JSON object"),
                (#"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","forks":"many"}"#, .badRequest, "forks"),
                (#"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","check":"yes"}"#, .badRequest, "check"),
                (#"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","tag":["a"]}"#, .badRequest, "unknown field"),
                (
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","env":{"lower":"x"}}"#, .badRequest,
                    "env name"
                ),
                (
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","#
                        + #""env":{"ANSIBLE_SSH_ARGS":"-o ProxyCommand=x"}}"#,
                    .badRequest, "is reserved"
                ),
                (
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","env":{"PATH":"/tmp"}}"#, .badRequest,
                    "is reserved"
                ),
                (
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","env":{"GIT_SSH_COMMAND":"x"}}"#,
                    .badRequest, "is reserved"
                ),
                (
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","extra_vars":"a: [1"}"#, .badRequest,
                    "extra_vars"
                ),
                (
                    #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","extra_vars":"- 1"}"#, .badRequest,
                    "mapping"
                ),
                (#"{"project":"demo","playbook":"hello.yml","inventory":"999"}"#, .badRequest, "inventory 999"),
                (#"{"playbook":"hello.yml","inventory":"x"}"#, .badRequest, "project is required"),
            ]
            for (body, status, message) in cases {
                let response = try await client.json(.post, "/api/v1/jobs", body: body)
                #expect(response.status == status, "\(body)")
                let error = response.json["error"]?.stringValue ?? ""
                #expect(error.contains(message), "\(body) → \(error)")
                #expect(response.json["detail"] != nil)
            }
            let huge =
                #"{"project":"demo","playbook":"hello.yml","inventory":"x","extra_vars":{"a":""# + String(repeating: "x", count: 2_000_000)
                + #""}}"#
            let tooLarge = try await client.json(.post, "/api/v1/jobs", body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.json["error"] != nil)
            #expect(try await client.json(.get, "/api/v1/jobs/12345").status == .notFound)
            #expect(try await client.json(.get, "/api/v1/jobs/abc").status == .badRequest)
            #expect(try await client.json(.get, "/api/v1/jobs?status=weird").status == .badRequest)
            #expect(try await client.json(.get, "/api/v1/jobs?limit=0").status == .badRequest)
            #expect(try await client.json(.get, "/api/v1/jobs/1/events?after=x").status == .notFound)
            let noRoute = try await client.json(.get, "/api/v1/nothing")
            #expect(noRoute.status == .notFound)
            #expect(noRoute.json["error"] != nil)
            #expect(try await client.json(.post, "/api/v1/jobs/12345/cancel").status == .notFound)
            #expect(try await client.json(.get, "/api/v1/jobs").json["jobs"] == .array([]), "nothing was queued")
            #expect(try await client.json(.get, "/api/v1/health").status == .ok)
        }
    }

    @Test func anUrgentJobJumpsTheQueue() async throws {
        // One slot: the first job holds it while the others queue up.
        try await ServerFixture.with(workers: 1) { client, _ in
            let slow = #"{"project":"demo","playbook":"progress.yml","inventory":"inventory/local.ini","extra_vars":"pause_seconds: 2"}"#
            let holding = try await client.launch(slow)
            try await client.waitForStatus(holding, "running")
            let nightly = try await client.launch(Self.demo)
            let urgent = try await client.launch(String(Self.demo.dropLast()) + #","priority":50}"#)
            let shown = try await client.json(.get, "/api/v1/jobs/\(urgent)").json
            #expect(shown["priority"] == .number(50))
            let first = try await client.waitForEnd(urgent)
            let second = try await client.waitForEnd(nightly)
            let started = [first, second].map { $0["started_at"]?.stringValue ?? "" }
            #expect(started[0] < started[1], "the urgent job started first: \(started)")
            let refused = try await client.json(
                .post, "/api/v1/jobs", body: #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","priority":101}"#)
            #expect(refused.status == .badRequest)
            #expect(refused.json["error"] == .string("priority must be between -100 and 100, got 101"))
        }
    }

    @Test func twentyConcurrentLaunchesAllRunOnce() async throws {
        try await ServerFixture.with(workers: 2) { client, _ in
            // Raw sockets: on a busy machine twenty launches at once may take longer than
            // the in-process client waits.
            let port = try #require(client.port)
            let ids = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let answer = try await RawHTTP.request(
                            port: port, "POST", "/api/v1/jobs",
                            body: #"{"project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
                        guard answer.status == 202, let id = answer.json["id"]?.intValue else {
                            throw TestFailure("launch answered \(answer.status): \(answer.json.jsonString())")
                        }
                        return id
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 20)
            for id in ids {
                let job = try await waitForEnd(port: port, id)
                #expect(job["status"] == .string("successful"), "job \(id): \(job.jsonString())")
                let events = try await RawHTTP.send(port: port, "GET", "/api/v1/jobs/\(id)/events?limit=1000").body
                let starts = events.components(separatedBy: "\"type\":\"playbook_on_start\"").count - 1
                #expect(starts == 1, "job \(id) ran exactly once")
            }
        }
    }

    @Test func cancelStopsARunningJobAndLeavesNoProcess() async throws {
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 71\n",
                "hosts.ini": TestPaths.localInventory(["a", "b"]),
            ])
        try await ServerFixture.with(projects: projects) { client, _ in
            let id = try await client.launch(#"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
            try await client.waitForStatus(id, "running")
            #expect(await ProcessCheck.waitFor("sleep 71"))
            // The log is written a few times a second even while the task is quiet.
            var log = ""
            let deadline = ContinuousClock.now + .seconds(10)
            while !log.contains("TASK [ansible.builtin.command]"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                log = try await client.text("/api/v1/jobs/\(id)/stdout").2
            }
            #expect(log.contains("TASK [ansible.builtin.command]"), "the running task's header is in the log: \(log)")
            let cancel = try await client.json(.post, "/api/v1/jobs/\(id)/cancel")
            #expect(cancel.status == .accepted)
            let job = try await client.waitForEnd(id)
            #expect(job["status"] == .string("canceled"))
            #expect(ProcessCheck.processes(containing: "sleep 71").isEmpty)
            #expect(ProcessCheck.processes(containing: projects + "/p/sleep.yml").isEmpty)
            let again = try await client.json(.post, "/api/v1/jobs/\(id)/cancel")
            #expect(again.status == .accepted, "canceling a canceled job is harmless")
        }
    }

    @Test func aQueuedJobIsCanceledWithoutRunning() async throws {
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 72\n",
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        try await ServerFixture.with(projects: projects, workers: 1) { client, _ in
            let running = try await client.launch(#"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
            let queued = try await client.launch(#"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
            try await client.waitForStatus(running, "running")
            #expect(try await client.json(.get, "/api/v1/jobs/\(queued)").json["status"] == .string("queued"))
            #expect(try await client.json(.post, "/api/v1/jobs/\(queued)/cancel").json["status"] == .string("canceled"))
            _ = try await client.json(.post, "/api/v1/jobs/\(running)/cancel")
            #expect(try await client.waitForEnd(running)["status"] == .string("canceled"))
            let events = try await client.json(.get, "/api/v1/jobs/\(queued)/events").json
            #expect(events["events"] == .array([]), "the canceled queued job never ran")
            let finished = try await client.json(.post, "/api/v1/jobs/\(running)/cancel")
            #expect(finished.status == .accepted)
        }
    }

    @Test func aJobThatTimesOutEndsError() async throws {
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 73\n",
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        try await ServerFixture.with(projects: projects) { client, _ in
            let id = try await client.launch(#"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini","timeout":2}"#)
            let job = try await client.waitForEnd(id)
            #expect(job["status"] == .string("error"))
            #expect(job["error"] == .string("timed out after 2s"))
            #expect(ProcessCheck.processes(containing: "sleep 73").isEmpty)
        }
    }
}
