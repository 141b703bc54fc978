import Foundation
import PlayhouseCore

/// What an email notification says, as a subject and the same facts in plain text and
/// HTML: a job's status, what it ran, who launched it, its error and host recap; or an
/// approval's workflow, node, message, deciders and expiry; and the page's link. Every
/// value is data: escaped in the HTML, and kept out of the headers but for the subject,
/// which ``EmailMessage`` encodes.
struct NotificationEmail: Sendable, Equatable {
    var subject: String
    var text: String
    var html: String

    /// A subject longer than this is cut: it names the job, the rest is in the body.
    static let maxSubject = 200

    /// The news of `event` for `job`; `templateName` is the name of the job's template, if it had one.
    static func job(_ job: Job, event: NotificationTarget.Event, templateName: String?, publicURL: WebOrigin?) -> NotificationEmail {
        let parameters = job.parameters
        let verb =
            switch event {
            case .started: "started"
            case .succeeded: "succeeded"
            case .failed: job.status == .error ? "ended in error" : "failed"
            case .approval: "waits for approval"
            }
        let title = "Playhouse job #\(job.id) \(parameters.project)/\(parameters.playbook) \(verb)"
        var facts: [(String, String)] = [
            ("Status", job.status.rawValue), ("Project", parameters.project), ("Playbook", parameters.playbook),
            ("Inventory", parameters.inventory),
        ]
        if let templateID = parameters.templateID {
            facts.append(("Template", templateName.map { "\($0) (#\(templateID))" } ?? "#\(templateID)"))
        }
        if let limit = parameters.limit { facts.append(("Limit", limit)) }
        if let launchedBy = parameters.launchedBy { facts.append(("Launched by", launchedBy)) }
        if let startedAt = job.startedAt { facts.append(("Started", time(startedAt))) }
        if let finishedAt = job.finishedAt { facts.append(("Finished", time(finishedAt))) }
        if let error = job.error { facts.append(("Error", error)) }
        return make(title: title, facts: facts, recap: job.summary.hosts, page: "/jobs/\(job.id)", publicURL: publicURL)
    }

    /// The news that `approval`, a node of `job`, waits for someone to decide it.
    static func approval(_ approval: WorkflowNodeRun, of job: WorkflowJob, publicURL: WebOrigin?) -> NotificationEmail {
        let rule = job.definition.node(approval.node)?.approval ?? ApprovalRule()
        let title = "Playhouse workflow \(job.name) (#\(job.id)) waits for approval at \(approval.node)"
        var facts: [(String, String)] = [("Workflow", "\(job.name) (#\(job.id))"), ("Node", approval.node)]
        if let message = rule.message { facts.append(("Message", message)) }
        let deciders = rule.users + rule.teams.map { "team \($0)" }
        facts.append(("Who may decide", deciders.isEmpty ? "no one is named" : deciders.joined(separator: ", ")))
        facts.append(("Launched by", job.launchedBy))
        if let expiresAt = approval.expiresAt {
            facts.append(("Expires", "\(time(expiresAt)), then it is \(rule.onTimeout == .approve ? "approved" : "denied")"))
        }
        return make(title: title, facts: facts, recap: [:], page: "/workflow-jobs/\(job.id)", publicURL: publicURL)
    }

    private static func make(
        title: String, facts: [(String, String)], recap: [String: HostCounts], page: String, publicURL: WebOrigin?
    ) -> NotificationEmail {
        let link = publicURL?.link(page)
        let subject = title.count > maxSubject ? title.prefix(maxSubject - 1) + "…" : title
        let width = facts.map(\.0.count).max() ?? 0
        var text = [title, ""] + facts.map { label, value in label + ":" + String(repeating: " ", count: width - label.count + 2) + value }
        var html = [
            "<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>\(HTMLText.escaped(title))</title></head>",
            "<body style=\"font-family: sans-serif; color: #222;\">", "<h2 style=\"font-size: 18px;\">\(HTMLText.escaped(title))</h2>",
            "<table style=\"border-collapse: collapse;\">",
        ]
        html += facts.map { label, value in
            "<tr><th style=\"text-align: left; padding: 2px 12px 2px 0; vertical-align: top;\">\(HTMLText.escaped(label))</th>"
                + "<td style=\"padding: 2px 0; white-space: pre-wrap;\">\(HTMLText.escaped(value))</td></tr>"
        }
        html.append("</table>")
        if !recap.isEmpty {
            let columns = ["ok", "changed", "failed", "unreachable"]
            let hosts = recap.keys.sorted()
            let hostWidth = max(4, hosts.map(\.count).max() ?? 0)
            func numbers(_ counts: HostCounts) -> [Int] { [counts.ok, counts.changed, counts.failed, counts.unreachable] }
            func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
            text += [
                "", "Host recap:",
                "  " + "host".padding(toLength: hostWidth, withPad: " ", startingAt: 0) + columns.map { pad($0, 13) }.joined(),
            ]
            text += hosts.map { host in
                "  " + host + String(repeating: " ", count: hostWidth - host.count)
                    + numbers(recap[host]!).map { pad("\($0)", 13) }.joined()
            }
            let cell = "style=\"text-align: right; padding: 2px 0 2px 16px;\""
            html += [
                "<h3 style=\"font-size: 15px;\">Host recap</h3>", "<table style=\"border-collapse: collapse;\">",
                "<tr><th style=\"text-align: left;\">host</th>" + columns.map { "<th \(cell)>\($0)</th>" }.joined() + "</tr>",
            ]
            html += hosts.map { host in
                "<tr><td>\(HTMLText.escaped(host))</td>" + numbers(recap[host]!).map { "<td \(cell)>\($0)</td>" }.joined() + "</tr>"
            }
            html.append("</table>")
        }
        if let link {
            text += ["", "Open it: \(link)"]
            html.append("<p><a href=\"\(HTMLText.escaped(link))\">Open it in Playhouse</a> (\(HTMLText.escaped(link)))</p>")
        } else {
            let hint = "start Playhouse with --public-url for a link"
            text += ["", "In Playhouse at \(page) (\(hint))"]
            html.append("<p>In Playhouse at \(HTMLText.escaped(page)) (\(hint))</p>")
        }
        html.append("</body></html>")
        return NotificationEmail(
            subject: String(subject), text: text.joined(separator: "\n") + "\n", html: html.joined(separator: "\n") + "\n")
    }

    /// `2026-11-30 09:05:00 UTC`.
    private static func time(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false)) + " UTC"
    }
}
