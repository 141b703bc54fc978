public import Foundation
public import PlayhouseCore
import SQLKit

/// Stored inventories: text, scripts and HTTP sources that launches name by id.
public struct InventoryRepository: Repository {
    let store: Store

    /// Stores a new inventory; the name must be unused.
    public func create(
        name: String, kind: Inventory.Kind, content: String, credentialID: Int64? = nil, timeout: Double? = nil,
        workerGroups: [String] = [], now: Date = Date()
    ) async throws -> Inventory {
        try await checkNameIsFree(name, in: "inventories", what: "an inventory")
        let time = now.timeIntervalSince1970
        return try await sql.raw(
            """
            INSERT INTO inventories (name, kind, content, credential_id, timeout, worker_groups, created_at, updated_at)
            VALUES (\(bind: name), \(bind: kind.rawValue), \(bind: content), \(bind: credentialID), \(bind: timeout),
                    \(bind: WorkerGroups.stored(workerGroups)), \(bind: time), \(bind: time))
            RETURNING *
            """
        ).inserted("inventory", as: Inventory.self)
    }

    /// Replaces an inventory's name, kind, content, credential, timeout and worker groups;
    /// nil when there is no such inventory.
    public func update(
        _ id: Int64, name: String, kind: Inventory.Kind, content: String, credentialID: Int64? = nil, timeout: Double? = nil,
        workerGroups: [String] = [], now: Date = Date()
    ) async throws -> Inventory? {
        try await checkNameIsFree(name, in: "inventories", except: id, what: "an inventory")
        return try await updateRow(
            id, in: "inventories",
            set: """
                name = \(bind: name), kind = \(bind: kind.rawValue), content = \(bind: content), credential_id = \(bind: credentialID),
                timeout = \(bind: timeout), worker_groups = \(bind: WorkerGroups.stored(workerGroups)),
                updated_at = \(bind: now.timeIntervalSince1970)
                """, as: Inventory.self)
    }

    /// Deletes an inventory; false when there was none.
    public func delete(_ id: Int64) async throws -> Bool {
        try await deleteRow(id, from: "inventories")
    }

    /// The inventory with this id, or nil.
    public func find(_ id: Int64) async throws -> Inventory? {
        try await row(id, in: "inventories", as: Inventory.self)
    }

    /// The inventory of this name, or nil.
    public func named(_ name: String) async throws -> Inventory? {
        try await sql.raw("SELECT * FROM inventories WHERE name = \(bind: name)").first(as: Inventory.self)
    }

    /// Every inventory, by name.
    public func list() async throws -> [Inventory] {
        try await sql.raw("SELECT * FROM inventories ORDER BY name").all(as: Inventory.self)
    }
}
