/// Who launched a job, as inventory sources learn it: scripts and plugins from the
/// environment, HTTP sources from request headers. A CMDB answers with that person's hosts.
public struct Launcher: Sendable, Equatable {
    public var user: String
    public var teams: [String]

    public init(user: String, teams: [String]) {
        self.user = user
        self.teams = teams
    }

    /// `PLAYHOUSE_USER` and `PLAYHOUSE_TEAMS` (comma-separated).
    public var environment: [String: String] {
        ["PLAYHOUSE_USER": user, "PLAYHOUSE_TEAMS": teams.joined(separator: ",")]
    }

    /// `X-Playhouse-User` and `X-Playhouse-Teams` (comma-separated).
    public var headers: [String: String] {
        ["X-Playhouse-User": user, "X-Playhouse-Teams": teams.joined(separator: ",")]
    }
}
