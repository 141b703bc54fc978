import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore
import PlayhouseTestSupport
import PlayhouseWorker
import Testing

@testable import PlayhouseServer
@testable import playhouse

/// Templates launched by the clock: next runs shown, each run fired by exactly one of
/// several schedulers, runs missed while nothing was up reported and not fired.
@Suite struct ScheduleTests {
    /// A scheduler over the same store, as another server of the fleet would run it.
    func scheduler(_ store: Store) throws -> ScheduleService {
        let logger = Logger(label: "test-scheduler")
        return ScheduleService(
            dependencies: try Composition.forTests(store: store, logger: logger).serverDependencies(), interval: .seconds(3600),
            logger: logger)
    }

    @Test func aScheduleShowsItsNextRunsFiresOnceAndReportsMissedRuns() async throws {
        try await ServerFixture.with { client, store in
            let template = try await client.json(
                .post, "/api/v1/templates",
                body: #"{"name":"nightly","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
            let templateID = try #require(template.json["id"]?.intValue)
            let created = try await client.json(
                .post, "/api/v1/templates/\(templateID)/schedules", body: #"{"cron":"*/5 * * * *","timezone":"Europe/Berlin"}"#)
            #expect(created.status == .created, "\(created.json.jsonString())")
            let id = Int64(try #require(created.json["id"]?.intValue))
            guard case .array(let next)? = created.json["next_runs"] else { throw TestFailure("no next runs") }
            let times = next.compactMap { $0.stringValue.flatMap { try? Date($0, strategy: .iso8601) } }
            #expect(times.count == 5)
            #expect(zip(times, times.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 300 }, "five minutes apart: \(next)")

            let bad = try await client.json(.post, "/api/v1/templates/\(templateID)/schedules", body: #"{"cron":"every day"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.json["error"] == .string(#"a cron expression has 5 fields (minute hour day month weekday), got "every day""#))

            // Due a second ago: three schedulers try at once, one fires.
            let now = Date()
            let due = now.addingTimeInterval(-1)
            let scheduled = try #require(await store.templates.schedule(id))
            #expect(try await store.templates.advanceSchedule(id, from: try #require(scheduled.nextRunAt), to: due))
            let fired = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<3 { group.addTask { try await self.scheduler(store).tick(now: now) } }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            let launched = try await store.jobs.list().filter { $0.parameters.templateID == Int64(templateID) }
            #expect(launched.count == 1, "exactly one run: \(launched.map(\.id)), fired by the test's schedulers: \(fired)")
            let job = try await client.waitForEnd(try #require(launched.first?.id))
            #expect(job["status"] == .string("successful"))
            #expect(job["launched_by"] == .string("admin"))
            #expect(try await store.templates.schedule(id)?.lastJobID == launched.first?.id)

            // Due three hours ago: no server was up; reported, not fired.
            let lastNext = try #require(await store.templates.schedule(id)?.nextRunAt)
            #expect(try await store.templates.advanceSchedule(id, from: lastNext, to: now.addingTimeInterval(-3 * 3600)))
            try await scheduler(store).tick(now: Date())
            let after = try #require(await store.templates.schedule(id))
            #expect(after.missed >= 36, "every five minutes for three hours: \(after.missed)")
            #expect(try #require(after.nextRunAt) > Date(), "it moves on to the next run from now")
            #expect(try await store.jobs.list().filter { $0.parameters.templateID == Int64(templateID) }.count == 1, "nothing fired late")
            #expect(try await client.json(.get, "/api/v1/audit").json.jsonString().contains("schedule.missed"))
        }
    }

    @Test func aTemplateWhoseSurveyNeedsAnAnswerCannotBeScheduled() async throws {
        try await ServerFixture.with { client, _ in
            let template = try await client.json(
                .post, "/api/v1/templates",
                body:
                    #"{"name":"asks","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","#
                    + #""survey":[{"variable":"v","question":"Version","type":"text","required":true}]}"#
            )
            let id = try #require(template.json["id"]?.intValue)
            let refused = try await client.json(.post, "/api/v1/templates/\(id)/schedules", body: #"{"cron":"0 3 * * *"}"#)
            #expect(refused.status == .badRequest)
            #expect(refused.json["error"] == .string(#"the survey asks "Version", which has no default"#))
        }
    }

    @Test func aWorkflowRunsOnItsScheduleAndFromItsHook() async throws {
        try await ServerFixture.with { client, store in
            let template = try await client.json(
                .post, "/api/v1/templates",
                body: #"{"name":"hello","project":"demo","playbook":"hello.yml","inventory":"inventory/local.ini","limit":"web1"}"#)
            let templateID = try #require(template.json["id"]?.intValue)
            let workflow = try await client.json(
                .post, "/api/v1/workflows", body: #"{"name":"nightly","nodes":[{"id":"hi","type":"template","template":\#(templateID)}]}"#)
            let workflowID = try #require(workflow.json["id"]?.intValue)
            let created = try await client.json(.post, "/api/v1/workflows/\(workflowID)/schedules", body: #"{"cron":"0 3 * * *"}"#)
            #expect(created.status == .created, "\(created.json.jsonString())")
            #expect(created.json["workflow_id"] == .number(Double(workflowID)) && created.json["template_id"] == .null)
            let id = Int64(try #require(created.json["id"]?.intValue))

            let now = Date()
            let scheduled = try #require(await store.templates.schedule(id))
            #expect(try await store.templates.advanceSchedule(id, from: try #require(scheduled.nextRunAt), to: now.addingTimeInterval(-1)))
            let fired = try await scheduler(store).tick(now: now)
            let run = try #require(fired.first)
            let ended = try await WorkflowTests.wait(client, run)
            #expect(ended["status"] == .string("successful") && ended["launched_by"] == .string("admin"), "\(ended.jsonString())")
            let listed = try await client.json(.get, "/api/v1/workflows/\(workflowID)/schedules").json
            #expect(listed["schedules"]?.jsonString().contains(#""last_workflow_job_id":\#(run)"#) == true, "\(listed.jsonString())")

            let hook = try await client.json(.post, "/api/v1/workflows/\(workflowID)/hook")
            #expect(hook.status == .created && hook.json["url"] == .string("/api/v1/workflow-hooks/\(workflowID)"))
            let token = try #require(hook.json["token"]?.stringValue)
            let refused = try await client.json(
                .post, "/api/v1/workflow-hooks/\(workflowID)", body: "{}",
                headers: [.authorization: "", HookRoutes.tokenHeader: "phk_wrong"])
            #expect(refused.status == .unauthorized)
            let triggered = try await client.json(
                .post, "/api/v1/workflow-hooks/\(workflowID)", body: "{}", headers: [.authorization: "", HookRoutes.tokenHeader: token])
            #expect(triggered.status == .accepted, "\(triggered.json.jsonString())")
            let fromHook = try await WorkflowTests.wait(client, Int64(try #require(triggered.json["id"]?.intValue)))
            #expect(fromHook["status"] == .string("successful"))
            let audit = try await client.json(.get, "/api/v1/audit?limit=100").json.jsonString()
            #expect(audit.contains("workflow nightly, via webhook") && audit.contains("workflow nightly, via schedule \(id)"), "\(audit)")
        }
    }
}
