public import Foundation

/// A template or a workflow launched by the clock.
public struct Schedule: Sendable, Equatable {
    public var id: Int64
    public var target: LaunchTarget
    /// Five cron fields, read in ``timeZone``.
    public var cron: String
    public var timeZone: String
    public var enabled: Bool
    /// When it fires next; nil when the expression never fires again.
    public var nextRunAt: Date?
    public var lastRunAt: Date?
    /// The job (of a template) or workflow job (of a workflow) it launched last.
    public var lastJobID: Int64?
    /// Runs that fell into a time no server was up, reported rather than fired late.
    public var missed: Int
    public var lastMissedAt: Date?
    /// Who made it: the user its jobs are launched as.
    public var createdBy: String
    public var createdAt: Date

    public init(
        id: Int64, target: LaunchTarget, cron: String, timeZone: String, enabled: Bool, nextRunAt: Date?, lastRunAt: Date?,
        lastJobID: Int64?, missed: Int, lastMissedAt: Date?, createdBy: String, createdAt: Date
    ) {
        self.id = id
        self.target = target
        self.cron = cron
        self.timeZone = timeZone
        self.enabled = enabled
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
        self.lastJobID = lastJobID
        self.missed = missed
        self.lastMissedAt = lastMissedAt
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// The parsed expression.
    public var expression: CronSchedule {
        get throws(ValidationError) { try CronSchedule(cron, timeZone: timeZone) }
    }
}
