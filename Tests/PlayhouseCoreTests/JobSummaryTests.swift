import PlayhouseCore
import Testing

@Suite struct JobSummaryTests {
    func event(
        _ seq: Int, _ type: EventType, host: String? = nil, task: String? = nil, changed: Bool? = nil,
        data: JSONValue? = nil
    ) -> JobEvent {
        JobEvent(seq: seq, type: type, time: Double(seq), play: "Play", task: task, host: host, changed: changed, data: data)
    }

    @Test func progressCountsFinishedTasksAndStaysBelowHundredUntilTheEnd() {
        var summary = JobSummary()
        summary.apply(event(1, .playbookStart, data: .object(["tasks_total": .number(2)])))
        summary.apply(event(2, .taskStart, task: "one"))
        #expect(summary.progress.tasksDone == 0)
        #expect(summary.progress.currentTask == "one")
        summary.apply(event(3, .ok, host: "a", task: "one", changed: true))
        summary.apply(event(4, .taskStart, task: "two"))
        #expect(summary.progress.tasksDone == 1)
        #expect(summary.progress.percent == 50)
        summary.apply(event(5, .ok, host: "a", task: "two"))
        summary.apply(event(6, .stats, data: .object(["hosts": .object(["a": .object(["ok": .number(2), "changed": .number(1)])])])))
        #expect(summary.progress.tasksDone == 2)
        #expect(summary.progress.percent == 99)
        summary.finish()
        #expect(summary.progress.percent == 100)
        #expect(summary.hosts["a"]?.ok == 2)
        #expect(summary.hosts["a"]?.changed == 1)
        #expect(summary.sawRecap)
    }

    @Test func theEstimateGrowsWhenMoreTasksRunThanCounted() {
        var summary = JobSummary()
        summary.apply(event(1, .playbookStart, data: .object(["tasks_total": .number(1)])))
        summary.apply(event(2, .taskStart, task: "one"))
        summary.apply(event(3, .taskStart, task: "included"))
        #expect(summary.progress.tasksTotal == 2)
        #expect(summary.progress.percent < 100)
    }

    @Test func liveCountsSeparateIgnoredFailuresAndUnreachableHosts() {
        var summary = JobSummary()
        summary.apply(event(1, .failed, host: "a", data: .object(["ignore_errors": .bool(true)])))
        summary.apply(event(2, .failed, host: "b"))
        summary.apply(event(3, .unreachable, host: "c"))
        summary.apply(event(4, .skipped, host: "a"))
        #expect(summary.hosts["a"]?.ignored == 1)
        #expect(summary.hosts["a"]?.failed == 0)
        #expect(summary.hosts["a"]?.skipped == 1)
        #expect(summary.hosts["b"]?.failed == 1)
        #expect(summary.hosts["c"]?.unreachable == 1)
        #expect(summary.anyHostFailed)
    }
}

@Suite struct JobParametersTests {
    func parameters(env: [String: String]? = nil, verbosity: Int? = nil, limit: String? = nil) -> JobParameters {
        JobParameters(project: "demo", playbook: "site.yml", inventory: "hosts", limit: limit, verbosity: verbosity, env: env)
    }

    @Test func environmentNamesMustLookLikeVariables() throws {
        try parameters(env: ["CMDB_GROUP": "x", "_A1": "y"]).validate()
        for bad in ["lower", "1ABC", "A-B", "", "A B"] {
            #expect(throws: ValidationError.self) { try parameters(env: [bad: "x"]).validate() }
        }
    }

    @Test func playhouseVariablesAreReserved() {
        #expect(throws: ValidationError.self) { try parameters(env: ["PLAYHOUSE_EVENTS_PATH": "/tmp/x"]).validate() }
    }

    @Test func optionsAreChecked() {
        #expect(throws: ValidationError.self) { try parameters(verbosity: 9).validate() }
        #expect(throws: ValidationError.self) { try parameters(limit: "@/etc/passwd").validate() }
        #expect(throws: ValidationError.self) { try JobParameters(project: "", playbook: "a", inventory: "b").validate() }
    }

    @Test func numericInventoryNamesAStoredInventory() {
        #expect(JobParameters(project: "p", playbook: "a", inventory: "12").inventoryRef == .stored(12))
        #expect(JobParameters(project: "p", playbook: "a", inventory: "hosts.ini").inventoryRef == .path("hosts.ini"))
        #expect(InventoryRef("١٢") == .path("١٢"), "only ASCII digits name a stored inventory")
        #expect(InventoryRef("99999999999999999999") == .path("99999999999999999999"), "an id too large is a path")
        #expect(InventoryRef("").storedID == nil)
    }
}

@Suite struct InventoryHostsTests {
    @Test func hostsComeFromGroupsAndHostvarsOnce() {
        let inventory = JSONValue.parse(
            #"{"_meta":{"hostvars":{"a":{},"z":{}}},"all":{"children":["web"]},"web":{"hosts":["a","b"]},"db":{"hosts":["c"]}}"#)!
        #expect(InventoryHosts.names(in: inventory) == ["c", "a", "b", "z"])
    }

    @Test func slicesAreEvenAndNeverEmpty() {
        #expect(InventoryHosts.slices(["a", "b", "c", "d", "e"], count: 2) == [["a", "b", "c"], ["d", "e"]])
        #expect(InventoryHosts.slices(["a", "b"], count: 5) == [["a"], ["b"]])
        #expect(InventoryHosts.slices(["a", "b", "c"], count: 3) == [["a"], ["b"], ["c"]])
    }
}
