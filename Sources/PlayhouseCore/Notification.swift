public import Foundation

/// Where Playhouse tells of jobs starting and ending: a URL that gets a JSON POST, or the
/// addresses of a `mailto:` URL that get an email.
public struct NotificationTarget: Sendable, Equatable {
    public enum Event: String, Sendable, CaseIterable {
        case started, succeeded, failed
        /// A workflow's approval node waits for a decision.
        case approval
    }

    public enum Format: String, Sendable, CaseIterable {
        /// `{"event", "job": {…}}`.
        case json
        /// `{"text": "…"}`, as Slack's incoming webhooks (and Mattermost, Rocket.Chat) take it.
        case slack
        /// An email to the addresses of a `mailto:` URL (``EmailRecipients``), through the
        /// SMTP server the notifying process was started with.
        case email
    }

    public var id: Int64
    public var name: String
    public var url: String
    public var events: [Event]
    public var format: Format
    /// Only jobs of this template; nil for every job.
    public var templateID: Int64?
    public var createdAt: Date

    public init(id: Int64, name: String, url: String, events: [Event], format: Format, templateID: Int64?, createdAt: Date) {
        self.id = id
        self.name = name
        self.url = url
        self.events = events
        self.format = format
        self.templateID = templateID
        self.createdAt = createdAt
    }

    /// The event a job's new status makes, if it makes one (a cancel makes none).
    public static func event(for status: JobStatus) -> Event? {
        switch status {
        case .running: .started
        case .successful: .succeeded
        case .failed, .error: .failed
        case .queued, .canceled: nil
        }
    }
}

/// One POST of one event to one target, with its attempts.
public struct Delivery: Sendable, Equatable {
    public enum Status: String, Sendable {
        case pending, delivered, failed
    }

    public var id: Int64
    public var targetID: Int64
    /// The job the delivery tells of; nil for an approval's.
    public var jobID: Int64?
    /// The approval (a workflow node's id) the delivery tells of; nil for a job's.
    public var approvalID: Int64?
    public var event: NotificationTarget.Event
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var responseStatus: Int?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(
        id: Int64, targetID: Int64, jobID: Int64?, approvalID: Int64? = nil, event: NotificationTarget.Event, status: Status,
        attempts: Int, nextAttemptAt: Date, lastError: String?, responseStatus: Int?, createdAt: Date, deliveredAt: Date?
    ) {
        self.id = id
        self.targetID = targetID
        self.jobID = jobID
        self.approvalID = approvalID
        self.event = event
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.responseStatus = responseStatus
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}
