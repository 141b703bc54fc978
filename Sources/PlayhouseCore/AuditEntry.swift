public import Foundation

/// One thing someone did: who, when, from where, what, and to what.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var time: Date
    /// The user's name; nil when nobody signed in (a failed login names the attempt in `target`).
    public var actor: String?
    /// What happened, as `resource.verb`: `login.failed`, `job.launch`, `credential.delete`, …
    public var action: AuditAction
    /// What it happened to: `job 7`, `user alice`, …
    public var target: String?
    /// The client's address.
    public var source: String?
    /// More, for people to read (never a secret).
    public var detail: String?

    public init(
        id: Int64 = 0, time: Date = Date(), actor: String?, action: AuditAction, target: String? = nil,
        source: String? = nil, detail: String? = nil
    ) {
        self.id = id
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.source = source
        self.detail = detail
    }
}
