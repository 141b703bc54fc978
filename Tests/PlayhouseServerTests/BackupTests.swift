import Foundation
import Logging
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// `playhouse backup` while `playhouse serve` runs a job, then `playhouse restore` into a
/// new file: every job and event of the moment is there, and a credential still opens
/// with the same key.
@Suite struct BackupTests {
    @Test func aBackupTakenDuringARunRestoresEveryJobAndItsCredentials() async throws {
        let scratch = try TestPaths.scratch("backup")
        let projects = try TestPaths.makeProject(
            "p",
            files: [
                "hello.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug: { msg: hi }\n",
                "sleep.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 97\n",
                "hosts.ini": TestPaths.localInventory(["a"]),
            ])
        let database = scratch + "/playhouse.sqlite"
        let key = scratch + "/secret.key"
        let port = try Loopback.freePort()
        let server = try PlayhouseProcess.serve(
            port: port, database: database, projects: projects, runs: scratch + "/runs", log: scratch + "/serve.log",
            extra: ["--workers", "2", "--secret-key-file", key])
        try await server.waitUntilReady()
        let credential = try await RawHTTP.request(
            port: port, "POST", "/api/v1/credentials", body: #"{"name":"vault","kind":"vault","password":"vault-pw-1"}"#)
        let credentialID = Int64(try #require(credential.json["id"]?.intValue, "\(credential.json.jsonString())"))
        let hello = try await RawHTTP.request(
            port: port, "POST", "/api/v1/jobs", body: #"{"project":"p","playbook":"hello.yml","inventory":"hosts.ini"}"#)
        let helloID = Int64(try #require(hello.json["id"]?.intValue))
        var ended = JSONValue.null
        for _ in 0..<600 where JobStatus(rawValue: ended["status"]?.stringValue ?? "")?.isFinal != true {
            ended = try await RawHTTP.request(port: port, "GET", "/api/v1/jobs/\(helloID)").json
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ended["status"] == .string("successful"))
        let long = try await RawHTTP.request(
            port: port, "POST", "/api/v1/jobs", body: #"{"project":"p","playbook":"sleep.yml","inventory":"hosts.ini"}"#)
        let longID = Int64(try #require(long.json["id"]?.intValue))
        #expect(await ProcessCheck.waitFor("sleep 97"))

        let copy = scratch + "/backup.sqlite"
        let backup = try PlayhouseProcess.command(["backup", copy, "--database", database, "--log-level", "error"])
        #expect(backup.status == 0, "\(backup.output)")
        let again = try PlayhouseProcess.command(["backup", copy, "--database", database, "--log-level", "error"])
        #expect(again.status != 0 && again.output.contains("exists already"), "\(again.output)")
        _ = try await RawHTTP.request(port: port, "POST", "/api/v1/jobs/\(longID)/cancel")
        await server.stop()

        let restored = scratch + "/restored/playhouse.sqlite"
        let restore = try PlayhouseProcess.command(["restore", copy, "--database", restored, "--log-level", "error"])
        #expect(restore.status == 0 && restore.output.contains("restored 2 jobs"), "\(restore.output)")
        let twice = try PlayhouseProcess.command(["restore", copy, "--database", restored, "--log-level", "error"])
        #expect(twice.status != 0 && twice.output.contains("holds jobs already"), "\(twice.output)")

        let original = try await Store.withSQLite(path: database, logger: Logger(label: "test")) { store in
            try await store.events.list(of: helloID, limit: 10_000).count
        }
        try await Store.withSQLite(path: restored, logger: Logger(label: "test")) { (store: Store) async throws in
            #expect(try await store.jobs.find(helloID)?.status == .successful)
            #expect(try await store.events.list(of: helloID, limit: 10_000).count == original, "every event of the finished job")
            #expect(try await store.output.lineCount(of: helloID) > 0)
            #expect(try await store.jobs.find(longID)?.status == .running, "the running job, as it was at the backup")
            let box = try SecretBox.load(base64: nil, file: key)
            #expect(try await store.credentials.secret(credentialID, box: box)?.values["password"] == "vault-pw-1")
        }
    }
}
