import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore
import ServiceLifecycle

/// Sends the queued notifications: a JSON POST per event and target, or an email through
/// the SMTP server, retried with backoff (1, 2, 4, 8, 16 s) until it is answered 2xx (250
/// for an email) or six attempts have failed. Every attempt is written to the delivery
/// log. Any number of processes may run one: each delivery is held by the one sending it.
public struct Notifier: Service {
    public let store: Store
    public let logger: Logger
    /// Where people reach Playhouse: with it, the links sent out are absolute.
    public let publicURL: WebOrigin?
    /// The server email targets' messages go through; without it they fail, saying so.
    public let smtp: SMTPConfiguration?

    static let poll: Duration = .seconds(1)
    static let maxAttempts = 6
    static let timeout: TimeAmount = .seconds(10)
    static let noSMTP = "no SMTP server is configured: start Playhouse with --smtp-url"
    /// How often a process without SMTP looks again at an email delivery it cannot send.
    static let noSMTPRetry: TimeInterval = 60

    public init(store: Store, logger: Logger, publicURL: WebOrigin? = nil, smtp: SMTPConfiguration? = nil) {
        self.store = store
        self.logger = logger
        self.publicURL = publicURL
        self.smtp = smtp
    }

    /// What one attempt came to: the answer's status (HTTP, or the SMTP reply code) and,
    /// when it failed, why.
    private struct Attempt {
        var status: Int?
        var failure: String?
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    while let delivery = try await store.notificationTargets.claimDelivery(lease: .seconds(60)) {
                        try await send(delivery)
                    }
                } catch  where !Task.isCancelled {
                    // While the database is away the store has said so; deliveries wait for it.
                    if !Store.isUnavailable(error) { logger.error("could not send notifications: \(error)") }
                } catch {
                    return
                }
                try? await Task.sleep(for: Self.poll)
            }
        }
    }

    func send(_ delivery: Delivery) async throws {
        let target = try await store.notificationTargets.find(delivery.targetID)
        var outcome: Attempt? = nil
        switch (target, smtp) {
        case (let target?, _) where target.format != .email:
            outcome = try await post(delivery, target)
        case (let target?, let smtp?):
            outcome = try await mail(delivery, target, through: smtp)
        case (_?, nil):
            // Not an attempt: a process started with --smtp-url sends it, or this one once
            // restarted with one. Meanwhile the delivery log says why it waits.
            try await store.notificationTargets.postponeDelivery(delivery.id, reason: Self.noSMTP, until: Date() + Self.noSMTPRetry)
            return
        case (nil, _):
            break
        }
        guard let target, let outcome else {
            try await store.notificationTargets.recordDeliveryAttempt(
                delivery.id, delivered: false, responseStatus: nil, error: "the target, the job or the approval is gone", retryAt: nil)
            return
        }
        let (status, failure) = (outcome.status, outcome.failure)
        let attempt = delivery.attempts + 1
        let retryAt = failure == nil || attempt >= Self.maxAttempts ? nil : Date().addingTimeInterval(pow(2, Double(attempt - 1)))
        try await store.notificationTargets.recordDeliveryAttempt(
            delivery.id, delivered: failure == nil, responseStatus: status, error: failure, retryAt: retryAt)
        if let failure {
            logger.warning(
                "notification not delivered",
                metadata: [
                    "target": .string(target.name), "job": "\(delivery.jobID ?? 0)", "approval": "\(delivery.approvalID ?? 0)",
                    "attempt": "\(attempt)", "error": .string(failure),
                ])
        }
    }

    /// POSTs the delivery's payload to `target`'s URL; nil when what it tells of is gone.
    private func post(_ delivery: Delivery, _ target: NotificationTarget) async throws -> Attempt? {
        guard let payload = try await payload(delivery, target) else { return nil }
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Playhouse")
        request.body = .bytes(ByteBuffer(string: payload.jsonString()))
        do {
            let response = try await OutboundHTTP.client.execute(request, timeout: Self.timeout)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            return Attempt(
                status: status, failure: (200..<300).contains(status) ? nil : "answered \(status) \(response.status.reasonPhrase)")
        } catch {
            return Attempt(status: nil, failure: "\(error)")
        }
    }

    /// Emails the delivery's news to the addresses of `target`'s `mailto:` URL; nil when
    /// what it tells of is gone. The SMTP reply code is the attempt's status.
    private func mail(_ delivery: Delivery, _ target: NotificationTarget, through smtp: SMTPConfiguration) async throws -> Attempt? {
        guard let content = try await email(delivery) else { return nil }
        let recipients: EmailRecipients
        do throws(ValidationError) {
            recipients = try EmailRecipients(mailto: target.url)
        } catch {
            return Attempt(status: nil, failure: "the target's url: \(error.message)")
        }
        let message = EmailMessage(
            from: smtp.from, to: recipients.addresses, subject: content.subject, text: content.text, html: content.html)
        do throws(SMTPError) {
            return Attempt(status: try await SMTPClient(configuration: smtp).send(message).code, failure: nil)
        } catch {
            return Attempt(status: error.reply?.code, failure: "SMTP server \(smtp.host) port \(smtp.port), \(error)")
        }
    }

    /// What the delivery's email says; nil when what it tells of is gone.
    private func email(_ delivery: Delivery) async throws -> NotificationEmail? {
        if let approvalID = delivery.approvalID {
            guard let node = try await store.workflows.node(approvalID), let job = try await store.workflows.job(node.workflowJobID) else {
                return nil
            }
            return NotificationEmail.approval(node, of: job, publicURL: publicURL)
        }
        guard let jobID = delivery.jobID, let job = try await store.jobs.find(jobID) else { return nil }
        var templateName: String? = nil
        if let templateID = job.parameters.templateID { templateName = try await store.templates.find(templateID)?.name }
        return NotificationEmail.job(job, event: delivery.event, templateName: templateName, publicURL: publicURL)
    }

    /// What the delivery posts to `target`; nil when what it tells of is gone.
    private func payload(_ delivery: Delivery, _ target: NotificationTarget) async throws -> JSONValue? {
        if let approvalID = delivery.approvalID {
            guard let node = try await store.workflows.node(approvalID), let job = try await store.workflows.job(node.workflowJobID) else {
                return nil
            }
            return Self.payload(target.format, approval: node, of: job, publicURL: publicURL)
        }
        guard let jobID = delivery.jobID, let job = try await store.jobs.find(jobID) else { return nil }
        return Self.payload(target.format, event: delivery.event, job: job, publicURL: publicURL)
    }

    /// What is posted of a pending approval: who may decide it and where, or for Slack one
    /// line of text.
    static func payload(_ format: NotificationTarget.Format, approval: WorkflowNodeRun, of job: WorkflowJob, publicURL: WebOrigin?)
        -> JSONValue
    {
        let rule = job.definition.node(approval.node)?.approval ?? ApprovalRule()
        let page = "/workflow-jobs/\(job.id)"
        let link = publicURL?.link(page) ?? page
        switch format {
        case .slack:
            let asks = rule.message.map { ": \($0)" } ?? ""
            let who = (rule.users + rule.teams.map { "team \($0)" }).joined(separator: ", ")
            return .object([
                "text": .string(
                    "Playhouse workflow \(job.name) (#\(job.id)) waits for approval at \(approval.node)\(asks) (\(who)) \(link)")
            ])
        case .json, .email:  // an email target is mailed, not posted (``mail(_:_:)``)
            return .object([
                "event": .string("approval.pending"),
                "approval": .object([
                    "id": .number(Double(approval.id)), "workflow_job_id": .number(Double(job.id)), "workflow": .string(job.name),
                    "node": .string(approval.node), "message": rule.message.map(JSONValue.string) ?? .null,
                    "users": .array(rule.users.map(JSONValue.string)), "teams": .array(rule.teams.map(JSONValue.string)),
                    "launched_by": .string(job.launchedBy), "url": .string(link),
                    "expires_at": approval.expiresAt.map {
                        .string($0.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
                    }
                        ?? .null,
                ]),
            ])
        }
    }

    /// What is posted: the event and the job, or for Slack one line of text; with the job
    /// page's address, absolute when the public URL is known.
    static func payload(
        _ format: NotificationTarget.Format, event: NotificationTarget.Event, job: Job, publicURL: WebOrigin?
    ) -> JSONValue {
        let parameters = job.parameters
        let what = "\(parameters.project)/\(parameters.playbook)"
        let page = "/jobs/\(job.id)"
        switch format {
        case .slack:
            let verb =
                switch event {
                case .started: "started"
                case .succeeded: "succeeded"
                case .failed: "failed"
                case .approval: "waits for approval"
                }
            let who = parameters.launchedBy.map { " (launched by \($0))" } ?? ""
            let why = job.error.map { ": \($0)" } ?? ""
            let link = publicURL.map { " \($0.link(page))" } ?? ""
            return .object(["text": .string("Playhouse job #\(job.id) \(what) \(verb)\(who)\(why)\(link)")])
        case .json, .email:  // an email target is mailed, not posted (``mail(_:_:)``)
            var fields: [String: JSONValue] = [
                "id": .number(Double(job.id)), "status": .string(job.status.rawValue), "project": .string(parameters.project),
                "playbook": .string(parameters.playbook), "url": .string(publicURL?.link(page) ?? page),
                "hosts": .object(
                    job.summary.hosts.mapValues { counts in
                        .object([
                            "ok": .number(Double(counts.ok)), "changed": .number(Double(counts.changed)),
                            "failed": .number(Double(counts.failed)), "unreachable": .number(Double(counts.unreachable)),
                        ])
                    }),
            ]
            fields["template_id"] = parameters.templateID.map { .number(Double($0)) } ?? .null
            fields["launched_by"] = parameters.launchedBy.map(JSONValue.string) ?? .null
            fields["error"] = job.error.map(JSONValue.string) ?? .null
            return .object(["event": .string("job.\(event.rawValue)"), "job": .object(fields)])
        }
    }
}
