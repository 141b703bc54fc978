import PlayhouseCore

extension Credential: RowDecodable {
    init(row: Row) throws {
        let fields: String = try row["fields"]
        self.init(
            id: try row["id"], name: try row["name"], kind: try row.value("kind"), fingerprint: try row["fingerprint"],
            fields: fields.isEmpty ? [] : fields.split(separator: ",").map(String.init),
            createdAt: try row.time("created_at"), updatedAt: try row.time("updated_at"))
    }
}
