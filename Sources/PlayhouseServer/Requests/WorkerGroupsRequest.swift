import HTTPTypes
import PlayhouseCore

/// `{"worker_groups": ["dmz"]}`: the worker groups a project's jobs run on; empty for any.
struct WorkerGroupsRequest: Decodable {
    var workerGroups: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case workerGroups = "worker_groups"
    }

    /// `worker_groups` must be sent, empty included: an empty body clears nothing by accident.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.workerGroups) else {
            throw APIError(.badRequest, "worker_groups is required", detail: "send a list of group names, or [] for any group")
        }
        workerGroups = try WorkerGroups.validate(
            try container.decodeIfPresent(NameList.self, forKey: .workerGroups)?.names ?? [], field: "worker_groups")
    }
}
