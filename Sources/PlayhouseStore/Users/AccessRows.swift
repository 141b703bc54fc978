import PlayhouseCore

extension User: RowDecodable {
    /// The user without their teams, which come from another table.
    init(row: Row) throws {
        self.init(
            id: try row["id"], name: try row["name"], role: try row.value("role"),
            createdAt: try row.time("created_at"), updatedAt: try row.time("updated_at"))
    }
}

extension APIToken: RowDecodable {
    init(row: Row) throws {
        self.init(
            id: try row["id"], user: try row["user_name"], name: try row["name"], createdAt: try row.time("created_at"),
            expiresAt: try row.date("expires_at"), lastUsedAt: try row.date("last_used_at"))
    }
}

extension Grant: RowDecodable {
    init(row: Row) throws {
        let subject: String? = try row["subject"]
        self.init(
            id: try row["id"], subjectKind: try row.value("subject_kind"), subject: subject ?? "?",
            resourceKind: try row.value("resource_kind"), resource: try row["resource"])
    }
}

extension AuditEntry: RowDecodable {
    init(row: Row) throws {
        self.init(
            id: try row["id"], time: try row.time("time"), actor: try row["actor"], action: try row.value("action"),
            target: try row["target"], source: try row["source"], detail: try row["detail"])
    }
}
