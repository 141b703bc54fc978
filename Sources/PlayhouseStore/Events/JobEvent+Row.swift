import PlayhouseCore

extension JobEvent: RowDecodable {
    init(row: Row) throws {
        let changed: Int? = try row["changed"]
        let failed: Int? = try row["failed"]
        let data: String? = try row["data"]
        self.init(
            seq: try row["seq"], type: EventType(try row["type"]), time: try row["time"], play: try row["play"], task: try row["task"],
            host: try row["host"], changed: changed.map { $0 != 0 }, failed: failed.map { $0 != 0 },
            message: try row["message"], data: data.flatMap(JSONValue.parse))
    }
}
