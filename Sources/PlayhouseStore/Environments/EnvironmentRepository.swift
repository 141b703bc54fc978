public import Foundation
public import PlayhouseCore
import SQLKit

/// Ansible environments: the ones admins defined, which projects and templates chose them,
/// and each worker's builds.
public struct EnvironmentRepository: Repository {
    let store: Store

    /// Stores a new environment; the name must be unused.
    public func create(name: String, environment: AnsibleEnvironment, by user: String, now: Date = Date()) async throws -> NamedEnvironment
    {
        try await checkNameIsFree(name, in: "environments", what: "an environment")
        return try await sql.raw(
            """
            INSERT INTO environments (name, ansible_core, python_packages, created_by, created_at)
            VALUES (\(bind: name), \(bind: environment.ansibleCore), \(bind: JSONColumn.encode(environment.pythonPackages)),
                    \(bind: user), \(bind: now.timeIntervalSince1970))
            RETURNING *
            """
        ).inserted("environment", as: NamedEnvironment.self)
    }

    /// The environment with this id, or nil.
    public func find(_ id: Int64) async throws -> NamedEnvironment? {
        try await row(id, in: "environments", as: NamedEnvironment.self)
    }

    /// The environment of this name, or nil.
    public func named(_ name: String) async throws -> NamedEnvironment? {
        try await sql.raw("SELECT * FROM environments WHERE name = \(bind: name)").first(as: NamedEnvironment.self)
    }

    /// Every environment, by name.
    public func list() async throws -> [NamedEnvironment] {
        try await sql.raw("SELECT * FROM environments ORDER BY name").all(as: NamedEnvironment.self)
    }

    /// Deletes an environment no project or template chose; false when there was none.
    ///
    /// - Throws: ``StoreError`` `conflict` naming who chose it.
    public func delete(_ id: Int64) async throws -> Bool {
        let users = try await choosers(of: id)
        if !users.isEmpty {
            throw StoreError(.conflict, "the environment is chosen by \(users.joined(separator: ", ")); choose another for them first")
        }
        return try await deleteRow(id, from: "environments")
    }

    /// Who chose the environment: `project NAME` and `template ID`, sorted.
    public func choosers(of id: Int64) async throws -> [String] {
        try await choosers(where: "WHERE environment_id = \(bind: id)")[id] ?? []
    }

    /// Who chose each environment, by its id, in one query (for the list).
    public func choosersOfAll() async throws -> [Int64: [String]] {
        try await choosers(where: "")
    }

    private func choosers(where filter: SQLQueryString) async throws -> [Int64: [String]] {
        let rows = try await sql.raw("SELECT environment_id, project, template_id FROM environment_choices \(filter)").all()
        var choosers: [Int64: [String]] = [:]
        for base in rows {
            let row = Row(base: base)
            let project: String? = try row["project"]
            let template: Int64? = try row["template_id"]
            choosers[try row["environment_id"], default: []].append(project.map { "project \($0)" } ?? "template \(template ?? 0)")
        }
        return choosers.mapValues { $0.sorted() }
    }

    /// Chooses an environment for a project (nil: its `playhouse.yml`, or the default).
    public func choose(_ id: Int64?, forProject project: String) async throws {
        try await sql.raw("DELETE FROM environment_choices WHERE project = \(bind: project)").run()
        guard let id else { return }
        try await sql.raw("INSERT INTO environment_choices (project, environment_id) VALUES (\(bind: project), \(bind: id))").run()
    }

    /// Chooses an environment for a template (nil: its project's).
    public func choose(_ id: Int64?, forTemplate template: Int64) async throws {
        try await sql.raw("DELETE FROM environment_choices WHERE template_id = \(bind: template)").run()
        guard let id else { return }
        try await sql.raw("INSERT INTO environment_choices (template_id, environment_id) VALUES (\(bind: template), \(bind: id))").run()
    }

    /// The environment a job of `project` (launched from `template`) runs with: the
    /// template's choice, else the project's; nil when neither chose one.
    public func chosen(project: String, template: Int64?) async throws -> NamedEnvironment? {
        try await sql.raw(
            """
            SELECT e.* FROM environment_choices c JOIN environments e ON e.id = c.environment_id
            WHERE c.project = \(bind: project) OR c.template_id = \(bind: template ?? -1)
            ORDER BY CASE WHEN c.template_id IS NULL THEN 1 ELSE 0 END LIMIT 1
            """
        ).first(as: NamedEnvironment.self)
    }

    /// The environment chosen for a project itself, or nil.
    public func chosen(forProject project: String) async throws -> NamedEnvironment? {
        try await sql.raw(
            """
            SELECT e.* FROM environment_choices c JOIN environments e ON e.id = c.environment_id WHERE c.project = \(bind: project)
            """
        ).first(as: NamedEnvironment.self)
    }

    // MARK: Builds

    /// Marks the build of `key` on `worker` as running, unless it already runs; true when
    /// this call started it. A build older than ``staleBuild`` counts as ended.
    public func startBuild(key: String, worker: String, label: String, now: Date = Date()) async throws -> Bool {
        let time = now.timeIntervalSince1970
        let started = try await sql.raw(
            """
            INSERT INTO environment_builds (env_key, worker, label, status, log, error, started_at, finished_at)
            VALUES (\(bind: key), \(bind: worker), \(bind: label), \(bind: EnvironmentBuild.Status.building.rawValue), '', NULL,
                    \(bind: time), NULL)
            ON CONFLICT (env_key, worker) DO UPDATE SET status = excluded.status, log = '', error = NULL,
                started_at = excluded.started_at, finished_at = NULL
            WHERE environment_builds.status <> \(bind: EnvironmentBuild.Status.building.rawValue)
               OR environment_builds.started_at < \(bind: time - Self.staleBuild)
            RETURNING id
            """
        ).first()
        return started != nil
    }

    /// Records how a build ended.
    public func finishBuild(
        key: String, worker: String, status: EnvironmentBuild.Status, log: String, error: String?, now: Date = Date()
    ) async throws {
        try await sql.raw(
            """
            UPDATE environment_builds SET status = \(bind: status.rawValue), log = \(bind: log), error = \(bind: error),
                finished_at = \(bind: now.timeIntervalSince1970)
            WHERE env_key = \(bind: key) AND worker = \(bind: worker)
            """
        ).run()
        await store.announce(.queue)
    }

    /// Marks the builds a worker left running when it stopped as interrupted.
    public func interruptBuilds(of worker: String, now: Date = Date()) async throws {
        try await sql.raw(
            """
            UPDATE environment_builds SET status = \(bind: EnvironmentBuild.Status.interrupted.rawValue),
                finished_at = \(bind: now.timeIntervalSince1970)
            WHERE worker = \(bind: worker) AND status = \(bind: EnvironmentBuild.Status.building.rawValue)
            """
        ).run()
        await store.announce(.queue)
    }

    /// Every build, newest first, without their logs.
    public func builds(limit: Int = 200) async throws -> [EnvironmentBuild] {
        try await sql.raw(
            """
            SELECT id, env_key, worker, label, status, '' AS log, error, started_at, finished_at FROM environment_builds
            ORDER BY started_at DESC, id DESC LIMIT \(bind: limit)
            """
        ).all(as: EnvironmentBuild.self)
    }

    /// A build with its log, or nil.
    public func build(_ id: Int64) async throws -> EnvironmentBuild? {
        try await row(id, in: "environment_builds", as: EnvironmentBuild.self)
    }

    /// How long a build may claim to run before others stop waiting for it: its worker
    /// died without saying so.
    public static let staleBuild: TimeInterval = 3600
}

extension NamedEnvironment: RowDecodable {
    init(row: Row) throws {
        let packages: [String] = (try? row.json("python_packages")) ?? []
        self.init(
            id: try row["id"], name: try row["name"],
            environment: try AnsibleEnvironment(ansibleCore: try row["ansible_core"], pythonPackages: packages),
            createdBy: try row["created_by"], createdAt: try row.time("created_at"))
    }
}

extension EnvironmentBuild: RowDecodable {
    init(row: Row) throws {
        self.init(
            id: try row["id"], key: try row["env_key"], worker: try row["worker"], label: try row["label"],
            status: try row.value("status", or: .interrupted), log: try row["log"], error: try row["error"],
            startedAt: try row.time("started_at"), finishedAt: try row.date("finished_at"))
    }
}
