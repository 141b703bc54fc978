import PlayhouseCore

extension Inventory: RowDecodable {
    init(row: Row) throws {
        let kind: String = try row["kind"]
        self.init(
            id: try row["id"], name: try row["name"], kind: Inventory.Kind(rawValue: kind) ?? .static, content: try row["content"],
            credentialID: try row["credential_id"], timeout: try row["timeout"],
            workerGroups: WorkerGroups.names(stored: try row["worker_groups"]),
            createdAt: try row.time("created_at"), updatedAt: try row.time("updated_at"))
    }
}
