import Foundation
import PlayhouseCore
import SQLKit

/// JSON columns and row decoding shared by the store's queries.
enum StoreCoding {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func date(_ row: any SQLRow, _ column: String) throws -> Date? {
        try row.decode(column: column, as: Double?.self).map { Date(timeIntervalSince1970: $0) }
    }

    static func job(from row: any SQLRow) throws -> Job {
        let statusText = try row.decode(column: "status", as: String.self)
        guard let status = JobStatus(rawValue: statusText) else {
            throw StoreError(.invalid, "job has unknown status \(statusText)")
        }
        return Job(
            id: try row.decode(column: "id", as: Int64.self),
            status: status,
            // A row whose JSON cannot be read (written by a newer or broken build) still
            // lists, showing what it cannot tell as "?", rather than breaking every list.
            parameters: (try? decode(JobParameters.self, row.decode(column: "parameters", as: String.self)))
                ?? JobParameters(project: "?", playbook: "?", inventory: "?"),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            startedAt: try date(row, "started_at"),
            finishedAt: try date(row, "finished_at"),
            exitCode: try row.decode(column: "exit_code", as: Int?.self),
            error: try row.decode(column: "error", as: String?.self),
            summary: (try? decode(JobSummary.self, row.decode(column: "summary", as: String.self))) ?? JobSummary(),
            cancelRequested: try row.decode(column: "cancel_requested", as: Int.self) != 0,
            worker: try row.decode(column: "worker", as: String?.self),
            parentID: try row.decode(column: "parent_id", as: Int64?.self),
            sliceCount: try row.decode(column: "slice_count", as: Int.self),
            eventCount: try row.decode(column: "last_seq", as: Int.self),
            commit: try row.decode(column: "commit_sha", as: String?.self))
    }

    static func event(from row: any SQLRow) throws -> JobEvent {
        JobEvent(
            seq: try row.decode(column: "seq", as: Int.self),
            type: try row.decode(column: "type", as: String.self),
            time: try row.decode(column: "time", as: Double.self),
            play: try row.decode(column: "play", as: String?.self),
            task: try row.decode(column: "task", as: String?.self),
            host: try row.decode(column: "host", as: String?.self),
            changed: try row.decode(column: "changed", as: Int?.self).map { $0 != 0 },
            failed: try row.decode(column: "failed", as: Int?.self).map { $0 != 0 },
            message: try row.decode(column: "message", as: String?.self),
            data: try row.decode(column: "data", as: String?.self).flatMap(JSONValue.parse))
    }

    static func credential(from row: any SQLRow) throws -> Credential {
        let kindText = try row.decode(column: "kind", as: String.self)
        guard let kind = Credential.Kind(rawValue: kindText) else {
            throw StoreError(.invalid, "credential has unknown kind \(kindText)")
        }
        let fields = try row.decode(column: "fields", as: String.self)
        return Credential(
            id: try row.decode(column: "id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self),
            kind: kind,
            fingerprint: try row.decode(column: "fingerprint", as: String.self),
            fields: fields.isEmpty ? [] : fields.split(separator: ",").map(String.init),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            updatedAt: try date(row, "updated_at") ?? Date(timeIntervalSince1970: 0))
    }

    static func inventory(from row: any SQLRow) throws -> Inventory {
        let kindText = try row.decode(column: "kind", as: String.self)
        return Inventory(
            id: try row.decode(column: "id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self),
            kind: Inventory.Kind(rawValue: kindText) ?? .static,
            content: try row.decode(column: "content", as: String.self),
            credentialID: try row.decode(column: "credential_id", as: Int64?.self),
            timeout: try row.decode(column: "timeout", as: Double?.self),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            updatedAt: try date(row, "updated_at") ?? Date(timeIntervalSince1970: 0))
    }

    static func user(from row: any SQLRow, teams: [String]) throws -> User {
        let roleText = try row.decode(column: "role", as: String.self)
        guard let role = Role(rawValue: roleText) else { throw StoreError(.invalid, "user has unknown role \(roleText)") }
        return User(
            id: try row.decode(column: "id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self),
            role: role, teams: teams,
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            updatedAt: try date(row, "updated_at") ?? Date(timeIntervalSince1970: 0))
    }

    static func token(from row: any SQLRow) throws -> APIToken {
        APIToken(
            id: try row.decode(column: "id", as: Int64.self),
            user: try row.decode(column: "user_name", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            expiresAt: try date(row, "expires_at"),
            lastUsedAt: try date(row, "last_used_at"))
    }

    static func grant(from row: any SQLRow) throws -> Grant {
        let subjectText = try row.decode(column: "subject_kind", as: String.self)
        let resourceText = try row.decode(column: "resource_kind", as: String.self)
        guard let subjectKind = Grant.SubjectKind(rawValue: subjectText), let resourceKind = Grant.ResourceKind(rawValue: resourceText) else {
            throw StoreError(.invalid, "grant has unknown kinds \(subjectText)/\(resourceText)")
        }
        return Grant(
            id: try row.decode(column: "id", as: Int64.self), subjectKind: subjectKind,
            subject: try row.decode(column: "subject", as: String?.self) ?? "?",
            resourceKind: resourceKind, resource: try row.decode(column: "resource", as: String.self))
    }

    static func auditEntry(from row: any SQLRow) throws -> AuditEntry {
        AuditEntry(
            id: try row.decode(column: "id", as: Int64.self),
            time: try date(row, "time") ?? Date(timeIntervalSince1970: 0),
            actor: try row.decode(column: "actor", as: String?.self),
            action: try row.decode(column: "action", as: String.self),
            target: try row.decode(column: "target", as: String?.self),
            source: try row.decode(column: "source", as: String?.self),
            detail: try row.decode(column: "detail", as: String?.self))
    }

    static func template(from row: any SQLRow) throws -> JobTemplate {
        JobTemplate(
            id: try row.decode(column: "id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self),
            definition: try decode(TemplateDefinition.self, try row.decode(column: "definition", as: String.self)),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            updatedAt: try date(row, "updated_at") ?? Date(timeIntervalSince1970: 0))
    }

    static func gitProject(from row: any SQLRow) throws -> GitProject {
        GitProject(
            name: try row.decode(column: "name", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            branch: try row.decode(column: "branch", as: String.self),
            credentialID: try row.decode(column: "credential_id", as: Int64?.self),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            updatedAt: try date(row, "updated_at") ?? Date(timeIntervalSince1970: 0))
    }

    static func schedule(from row: any SQLRow) throws -> Schedule {
        Schedule(
            id: try row.decode(column: "id", as: Int64.self),
            templateID: try row.decode(column: "template_id", as: Int64.self),
            cron: try row.decode(column: "cron", as: String.self),
            timeZone: try row.decode(column: "timezone", as: String.self),
            enabled: try row.decode(column: "enabled", as: Int.self) != 0,
            nextRunAt: try date(row, "next_run_at"),
            lastRunAt: try date(row, "last_run_at"),
            lastJobID: try row.decode(column: "last_job_id", as: Int64?.self),
            missed: try row.decode(column: "missed", as: Int.self),
            lastMissedAt: try date(row, "last_missed_at"),
            createdBy: try row.decode(column: "created_by", as: String.self),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0))
    }

    static func notificationTarget(from row: any SQLRow) throws -> NotificationTarget {
        NotificationTarget(
            id: try row.decode(column: "id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            events: try row.decode(column: "events", as: String.self).split(separator: ",").compactMap { NotificationTarget.Event(rawValue: String($0)) },
            format: NotificationTarget.Format(rawValue: try row.decode(column: "format", as: String.self)) ?? .json,
            templateID: try row.decode(column: "template_id", as: Int64?.self),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0))
    }

    static func delivery(from row: any SQLRow) throws -> Delivery {
        Delivery(
            id: try row.decode(column: "id", as: Int64.self),
            targetID: try row.decode(column: "target_id", as: Int64.self),
            jobID: try row.decode(column: "job_id", as: Int64.self),
            event: NotificationTarget.Event(rawValue: try row.decode(column: "event", as: String.self)) ?? .started,
            status: Delivery.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
            attempts: try row.decode(column: "attempts", as: Int.self),
            nextAttemptAt: try date(row, "next_attempt_at") ?? Date(timeIntervalSince1970: 0),
            lastError: try row.decode(column: "last_error", as: String?.self),
            responseStatus: try row.decode(column: "response_status", as: Int?.self),
            createdAt: try date(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            deliveredAt: try date(row, "delivered_at"))
    }
}
