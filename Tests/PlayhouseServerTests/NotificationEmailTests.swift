import Foundation
import PlayhouseCore
import Testing

@testable import PlayhouseWorker

/// What a notification's email says, and how its values are kept data.
@Suite struct NotificationEmailTests {
    static func job(status: JobStatus, error: String? = nil) -> Job {
        var parameters = JobParameters(
            project: "site", playbook: "deploy.yml", inventory: "hosts.ini", limit: "<all>", launchedBy: "ann & bob")
        parameters.templateID = 3
        var summary = JobSummary()
        summary.hosts = ["web<2>": HostCounts(), "web1": HostCounts()]
        summary.hosts["web1"]?.ok = 4
        summary.hosts["web1"]?.changed = 2
        summary.hosts["web<2>"]?.unreachable = 1
        return Job(id: 12, status: status, parameters: parameters, createdAt: Date(), error: error, summary: summary)
    }

    @Test func aJobsEmailSaysWhatHappenedWithEveryValueEscapedInTheHTML() throws {
        let email = NotificationEmail.job(
            Self.job(status: .error, error: "<script>alert(1)</script> & more"), event: .failed, templateName: "Deploy \"now\"",
            publicURL: try WebOrigin("https://playhouse.example.com"))
        #expect(email.subject == "Playhouse job #12 site/deploy.yml ended in error")
        for line in [
            "Status:       error", "Template:     Deploy \"now\" (#3)", "Launched by:  ann & bob",
            "Error:        <script>alert(1)</script> & more", "Open it: https://playhouse.example.com/jobs/12",
        ] {
            #expect(email.text.contains(line), "\(line) in \(email.text)")
        }
        let recap = email.text.split(separator: "\n").drop { !$0.hasPrefix("Host recap:") }.dropFirst().prefix(3).map {
            $0.split(separator: " ")
        }
        #expect(
            recap == [["host", "ok", "changed", "failed", "unreachable"], ["web1", "4", "2", "0", "0"], ["web<2>", "0", "0", "0", "1"]])
        #expect(email.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"))
        #expect(email.html.contains("Deploy &quot;now&quot; (#3)") && email.html.contains("ann &amp; bob"))
        #expect(email.html.contains("<td>web&lt;2&gt;</td>") && email.html.contains("&lt;all&gt;"))
        #expect(!email.html.contains("<script>") && !email.html.contains("web<2>"))
        #expect(email.html.contains(#"<a href="https://playhouse.example.com/jobs/12">"#))

        let relative = NotificationEmail.job(Self.job(status: .running), event: .started, templateName: nil, publicURL: nil)
        #expect(relative.subject == "Playhouse job #12 site/deploy.yml started")
        #expect(relative.text.contains("Template:     #3"))
        #expect(relative.text.contains("In Playhouse at /jobs/12 (start Playhouse with --public-url for a link)"))
        #expect(!relative.html.contains("<a "))
    }

    @Test func aLongSubjectIsCut() {
        var job = Self.job(status: .failed)
        job.parameters.playbook = String(repeating: "p", count: 400) + ".yml"
        let email = NotificationEmail.job(job, event: .failed, templateName: nil, publicURL: nil)
        #expect(email.subject.count == NotificationEmail.maxSubject && email.subject.hasSuffix("…"))
    }

    @Test func anApprovalsEmailSaysWhoDecidesByWhenAndWhere() throws {
        let rule = ApprovalRule(users: ["ann"], teams: ["<ops>"], timeout: 3600, onTimeout: .approve, message: "Ship <it>?")
        let definition = WorkflowDefinition(nodes: [WorkflowNode(id: "go-live", kind: .approval, approval: rule)])
        let job = WorkflowJob(
            id: 5, workflowID: 2, name: "release & deploy", source: nil, definition: definition, status: .running, launchedBy: "bob",
            launch: WorkflowLaunch(), createdAt: Date())
        let node = WorkflowNodeRun(
            id: 9, workflowJobID: 5, node: "go-live", state: .waiting, expiresAt: Date(timeIntervalSince1970: 1_796_029_500))
        let email = NotificationEmail.approval(node, of: job, publicURL: try WebOrigin("https://playhouse.example.com"))
        #expect(email.subject == "Playhouse workflow release & deploy (#5) waits for approval at go-live")
        for line in [
            "Workflow:        release & deploy (#5)", "Node:            go-live", "Message:         Ship <it>?",
            "Who may decide:  ann, team <ops>", "Launched by:     bob", "Expires:         2026-11-30 09:05:00 UTC, then it is approved",
            "Open it: https://playhouse.example.com/workflow-jobs/5",
        ] {
            #expect(email.text.contains(line), "\(line) in \(email.text)")
        }
        #expect(
            email.html.contains("Ship &lt;it&gt;?") && email.html.contains("team &lt;ops&gt;")
                && email.html.contains("release &amp; deploy"))
        #expect(!email.text.contains("Host recap"))
    }
}
