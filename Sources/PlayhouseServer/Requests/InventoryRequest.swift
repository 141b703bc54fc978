import HTTPTypes
import PlayhouseCore

/// `{"name", "kind": "static"|"script"|"http", "content", "credential", "timeout",
/// "worker_groups"}`: for `http`, `content` is the URL, `credential` a token or password
/// credential for its auth header (its kind is the route's to check), `timeout` seconds to
/// wait for it; `worker_groups` the groups its jobs run on unless their template names some.
struct InventoryRequest: Decodable {
    var name: String
    var kind: Inventory.Kind
    var content: String
    var credential: Int64?
    var timeout: Double?
    var workerGroups: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, kind, content, credential, timeout
        case workerGroups = "worker_groups"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeLabel(forKey: .name)
        let kindText = try container.decodeIfPresent(String.self, forKey: .kind) ?? "static"
        guard let kind = Inventory.Kind(rawValue: kindText) else {
            throw APIError(.badRequest, "kind must be \"static\", \"script\" or \"http\", got \"\(kindText)\"")
        }
        self.kind = kind
        content = try container.decode(String.self, forKey: .content)
        if kind == .script, !content.hasPrefix("#!") {
            throw APIError(
                .badRequest, "a script inventory must start with a #! line",
                detail: "for example #!/usr/bin/env python3; Ansible runs it with --list")
        }
        credential = try container.decodeIfPresent(RecordID.self, forKey: .credential)?.id
        timeout = try container.decodeIfPresent(Seconds.self, forKey: .timeout)?.value
        workerGroups = try WorkerGroups.validate(
            try container.decodeIfPresent(NameList.self, forKey: .workerGroups)?.names ?? [], field: "worker_groups")
        guard kind == .http || (credential == nil && timeout == nil) else {
            throw APIError(.badRequest, "credential and timeout are for http inventories")
        }
        guard kind == .http else { return }
        guard content.isHTTPURL else {
            throw APIError(.badRequest, "an http inventory's content must be an http:// or https:// URL", detail: "got \"\(content)\"")
        }
        if let timeout, !(timeout > 0 && timeout <= 300) {
            throw APIError(.badRequest, "timeout must be a number of seconds above 0 and at most 300")
        }
    }
}
