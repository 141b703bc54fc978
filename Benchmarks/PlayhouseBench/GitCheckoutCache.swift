import Foundation
import PlayhouseCore
import PlayhouseTestSupport

/// What the git mirror and the requirements cache save a run of a git project: the same
/// playbook (one `debug` task, one role from a git requirement) run by plain
/// `ansible-playbook` from a checkout whose role is installed, by Playhouse cold (a
/// repository it never fetched, requirements it never installed), and by Playhouse warm
/// (the same repository and requirements again), interleaved.
struct GitCheckoutCache {
    let bench: BenchContext
    let rounds: Int

    func measure(into report: inout Report) async throws {
        var section = Report.Section(
            .git,
            method: "Median of \(rounds) rounds, the three ways interleaved, on a git project served over `file://` whose "
                + "`site.yml` runs one `debug` task and one role that `roles/requirements.yml` takes from another git "
                + "repository. (a) Plain `ansible-playbook` in a checkout where `ansible-galaxy` already installed the role: "
                + "spawn to exit. (b) Playhouse cold, `serve --workers 2`, SQLite: a repository (and requirements file) no run "
                + "used before, so the run fills the mirror and installs the role: from `POST /api/v1/jobs` to the job's end "
                + "(polled every 20 ms). (c) Playhouse warm: the same project again: a fetch into the mirror, a local clone, "
                + "the role from the cache.",
            header: ["run", "(a) plain, installed", "(b) cold", "(c) warm", "b/a", "c/a", "cold − warm"])
        let source = bench.scratch + "/git-bench"
        let role = try await makeRole(in: source)
        var plain: [Double] = []
        var cold: [Double] = []
        var warm: [Double] = []
        try await BenchServer.with(bench, name: "git", database: bench.scratch + "/git.sqlite", workers: 2) { server in
            for round in 0...rounds {
                let repository = try await makeRepository(in: source, round: round, role: role)
                let name = "git\(round)"
                let created = try await RawHTTP.request(
                    port: server.port, "POST", "/api/v1/projects",
                    body: #"{"name":"\#(name)","url":"file://\#(repository)","branch":"main"}"#)
                guard created.status == 201 else { throw BenchError("making project \(name): \(created.json.jsonString())") }
                let a = try await self.plain(repository, in: source + "/plain-\(round)")
                let b = try await self.playhouse(server, project: name)
                let c = try await self.playhouse(server, project: name)
                bench.log("git round \(round): (a) \(Figure.ms(a)), (b) cold \(Figure.ms(b)), (c) warm \(Figure.ms(c))")
                // The first round warms the machine (Python's caches, the server): not counted.
                if round > 0 {
                    plain.append(a)
                    cold.append(b)
                    warm.append(c)
                }
            }
        }
        let (a, b, c) = (Stats.median(plain), Stats.median(cold), Stats.median(warm))
        section.rows.append([
            "1 `debug` task + 1 role from git × 1 host, local", Figure.ms(a), Figure.ms(b), Figure.ms(c), Figure.ratio(b / a),
            Figure.ratio(c / a), Figure.ms(b - c),
        ])
        report.sections.append(section)
    }

    private func makeRole(in source: String) async throws -> String {
        let role = source + "/role"
        try write(
            [
                "tasks/main.yml": "- ansible.builtin.debug: { msg: from the role }\n",
                "meta/main.yml": "galaxy_info: { author: bench, description: bench, license: MIT, min_ansible_version: '2.15' }\n",
            ], in: role)
        try await commit(role)
        return role
    }

    /// A repository no run has seen, whose requirements file no run has installed.
    private func makeRepository(in source: String, round: Int, role: String) async throws -> String {
        let repository = source + "/repo-\(round)"
        try write(
            [
                "site.yml": "- hosts: all\n  gather_facts: false\n  roles: [role]\n  tasks:\n    - ansible.builtin.debug: { msg: site }\n",
                "hosts.ini": "[all]\none-host ansible_connection=local ansible_python_interpreter=\"{{ ansible_playbook_python }}\"\n",
                "roles/requirements.yml": "# round \(round)\n- src: git+file://\(role)\n  name: role\n",
            ], in: repository)
        try await commit(repository)
        return repository
    }

    private func write(_ files: [String: String], in directory: String) throws {
        for (path, content) in files {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    private func commit(_ directory: String) async throws {
        try await TestTool.run("git", ["init", "--quiet", "--initial-branch=main"], in: directory)
        try await TestTool.run("git", ["add", "--all"], in: directory)
        try await TestTool.run(
            "git", ["-c", "user.name=Bench", "-c", "user.email=b@example.com", "commit", "--quiet", "-m", "c"], in: directory)
    }

    /// Plain: a clone with its role installed beforehand, then `ansible-playbook` timed.
    private func plain(_ repository: String, in checkout: String) async throws -> Double {
        try await TestTool.run("git", ["clone", "--quiet", repository, checkout], in: bench.scratch)
        try await TestTool.run(
            bench.ansibleBin + "/ansible-galaxy", ["role", "install", "-r", "roles/requirements.yml", "-p", "roles"], in: checkout)
        let start = Stats.now()
        try await TestTool.run(bench.ansibleBin + "/ansible-playbook", ["-i", "hosts.ini", "site.yml"], in: checkout)
        return Stats.now() - start
    }

    private func playhouse(_ server: BenchServer, project: String) async throws -> Double {
        let start = Stats.now()
        let (status, json) = try await RawHTTP.request(
            port: server.port, "POST", "/api/v1/jobs", body: #"{"project":"\#(project)","playbook":"site.yml","inventory":"hosts.ini"}"#)
        guard status == 202, let id = json["id"]?.intValue else { throw BenchError("launch in \(project): \(json.jsonString())") }
        let job = try await server.waitFinished(Int64(id), poll: .milliseconds(20))
        let end = Stats.now()
        guard job["status"] == .string("successful") else { throw BenchError("job \(id) of \(project) ended \(job.jsonString())") }
        return end - start
    }
}
