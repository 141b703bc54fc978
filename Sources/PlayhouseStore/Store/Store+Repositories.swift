import SQLKit

extension Store {
    /// Jobs, their slices, claims and leases.
    public var jobs: JobRepository { JobRepository(store: self) }
    /// The events and the log output of jobs.
    public var events: EventRepository { EventRepository(store: self) }
    /// Users and what they may do: sessions, API tokens, teams, grants and the audit log.
    public var users: UserRepository { UserRepository(store: self) }
    /// Stored secrets for runs.
    public var credentials: CredentialRepository { CredentialRepository(store: self) }
    /// Stored inventories.
    public var inventories: InventoryRepository { InventoryRepository(store: self) }
    /// Templates with their hooks and schedules, and git projects.
    public var templates: TemplateRepository { TemplateRepository(store: self) }
    /// Where job news goes, and its deliveries.
    public var notificationTargets: NotificationRepository { NotificationRepository(store: self) }
    /// The processes that run jobs.
    public var workers: WorkerRepository { WorkerRepository(store: self) }
}

/// A part of the store's API, over the store's connection (a transaction's, when the
/// store is a transaction's).
protocol Repository: Sendable {
    var store: Store { get }
}

extension Repository {
    var sql: any SQLDatabase { store.sql }
}
