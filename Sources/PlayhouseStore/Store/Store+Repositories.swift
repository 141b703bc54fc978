import SQLKit

extension Store {
    /// Jobs, their slices, claims and leases.
    public var jobs: JobRepository { JobRepository(store: self) }
    /// The events of jobs.
    public var events: EventRepository { EventRepository(store: self) }
    /// The tasks of jobs, with their counts.
    public var tasks: TaskRepository { TaskRepository(store: self) }
    /// Every host that reported: its results job by job, and its facts.
    public var hosts: HostRepository { HostRepository(store: self) }
    /// The logs of jobs, by line.
    public var output: OutputRepository { OutputRepository(store: self) }
    /// Users and what they may do: sessions, API tokens, teams, grants and the audit log.
    public var users: UserRepository { UserRepository(store: self) }
    /// Stored secrets for runs.
    public var credentials: CredentialRepository { CredentialRepository(store: self) }
    /// Stored inventories.
    public var inventories: InventoryRepository { InventoryRepository(store: self) }
    /// Templates with their hooks and schedules, and git projects.
    public var templates: TemplateRepository { TemplateRepository(store: self) }
    /// Workflows, their runs and their nodes.
    public var workflows: WorkflowRepository { WorkflowRepository(store: self) }
    /// Where job news goes, and its deliveries.
    public var notificationTargets: NotificationRepository { NotificationRepository(store: self) }
    /// The processes that run jobs.
    public var workers: WorkerRepository { WorkerRepository(store: self) }
    /// Ansible environments: defined, chosen and built.
    public var environments: EnvironmentRepository { EnvironmentRepository(store: self) }
    /// What each worker's mirror of each git project holds, and the refreshes asked of them.
    public var mirrors: MirrorRepository { MirrorRepository(store: self) }
}

/// A part of the store's API, over the store's connection (a transaction's, when the
/// store is a transaction's).
protocol Repository: Sendable {
    var store: Store { get }
}

extension Repository {
    var sql: any SQLDatabase { store.sql }
}

/// The reads and writes every table with an integer `id` and `RETURNING` rows shares, said
/// once. `table` is a name written in this module, never input, so it goes into the query
/// as it is.
extension Repository {
    /// The row of `table` with this id, or nil.
    func row<T: RowDecodable>(_ id: Int64, in table: StaticString, as type: T.Type) async throws -> T? {
        try await sql.raw("SELECT * FROM \(unsafeRaw: "\(table)") WHERE id = \(bind: id)").first(as: type)
    }

    /// Sets `assignments` on the row of `table` with this id and reads it back; nil when
    /// there is no such row.
    func updateRow<T: RowDecodable>(
        _ id: Int64, in table: StaticString, set assignments: SQLQueryString, as type: T.Type
    ) async throws -> T? {
        try await sql.raw("UPDATE \(unsafeRaw: "\(table)") SET \(assignments) WHERE id = \(bind: id) RETURNING *").first(as: type)
    }

    /// Deletes the row of `table` with this id; false when there was none.
    func deleteRow(_ id: Int64, from table: StaticString) async throws -> Bool {
        try await sql.raw("DELETE FROM \(unsafeRaw: "\(table)") WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    /// The id of the row of `table` with this name, or nil.
    func rowID(named name: String, in table: StaticString) async throws -> Int64? {
        try await sql.raw("SELECT id FROM \(unsafeRaw: "\(table)") WHERE name = \(bind: name)").first(decodingColumn: "id", as: Int64.self)
    }

    /// Refuses `name` when another row of `table` than `id` (any row, for a new one) has it;
    /// `what` names the kind of row in the error ("a template").
    func checkNameIsFree(_ name: String, in table: StaticString, except id: Int64? = nil, what: String) async throws {
        if let existing = try await rowID(named: name, in: table), existing != id {
            throw StoreError(.conflict, "\(what) named \"\(name)\" already exists")
        }
    }
}
