import Foundation
import PlayhouseCore
import SQLKit

extension Store {
    /// Stores a new inventory; the name must be unused.
    public func createInventory(
        name: String, kind: Inventory.Kind, content: String, credentialID: Int64? = nil, timeout: Double? = nil,
        now: Date = Date()
    ) async throws -> Inventory {
        if try await inventory(named: name) != nil {
            throw StoreError(.conflict, "an inventory named \"\(name)\" already exists")
        }
        let time = now.timeIntervalSince1970
        let row = try await sql.raw("""
            INSERT INTO inventories (name, kind, content, credential_id, timeout, created_at, updated_at)
            VALUES (\(bind: name), \(bind: kind.rawValue), \(bind: content), \(bind: credentialID), \(bind: timeout),
                    \(bind: time), \(bind: time))
            RETURNING *
            """).first()
        guard let row else { throw StoreError(.invalid, "the database did not return the new inventory") }
        return try StoreCoding.inventory(from: row)
    }

    /// Replaces an inventory's name, kind, content, credential and timeout; nil when there
    /// is no such inventory.
    public func updateInventory(
        _ id: Int64, name: String, kind: Inventory.Kind, content: String, credentialID: Int64? = nil, timeout: Double? = nil,
        now: Date = Date()
    ) async throws -> Inventory? {
        if let existing = try await inventory(named: name), existing.id != id {
            throw StoreError(.conflict, "an inventory named \"\(name)\" already exists")
        }
        return try await sql.raw("""
            UPDATE inventories SET name = \(bind: name), kind = \(bind: kind.rawValue), content = \(bind: content),
                credential_id = \(bind: credentialID), timeout = \(bind: timeout), updated_at = \(bind: now.timeIntervalSince1970)
            WHERE id = \(bind: id)
            RETURNING *
            """).first().map(StoreCoding.inventory(from:))
    }

    /// Deletes an inventory; false when there was none.
    public func deleteInventory(_ id: Int64) async throws -> Bool {
        try await sql.raw("DELETE FROM inventories WHERE id = \(bind: id) RETURNING id").first() != nil
    }

    public func inventory(_ id: Int64) async throws -> Inventory? {
        try await sql.raw("SELECT * FROM inventories WHERE id = \(bind: id)").first().map(StoreCoding.inventory(from:))
    }

    public func inventory(named name: String) async throws -> Inventory? {
        try await sql.raw("SELECT * FROM inventories WHERE name = \(bind: name)").first().map(StoreCoding.inventory(from:))
    }

    public func inventories() async throws -> [Inventory] {
        try await sql.raw("SELECT * FROM inventories ORDER BY name").all().map(StoreCoding.inventory(from:))
    }
}
