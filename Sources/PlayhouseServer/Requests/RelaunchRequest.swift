/// `{"hosts": "all"|"failed"}` (default all): which hosts a relaunch runs on.
struct RelaunchRequest: EmptyBodyDecodable {
    var hosts: LaunchService.RelaunchHosts

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hosts
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let hosts = try container.decodeChoiceIfPresent(LaunchService.RelaunchHosts.self, forKey: .hosts, expected: #""all" or "failed""#)
        self.hosts = hosts ?? .all
    }
}
