import Foundation
import Hummingbird
import PlayhouseCore

/// `{"KEY": [items]}`: a listing under its collection's name.
struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    var key: String
    var items: [Item]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(stringValue: key))
    }
}

struct UserResponse: ResponseEncodable, Sendable {
    var id: Int64
    var name: String
    var role: String
    var teams: [String]
    var createdAt: String
    var updatedAt: String

    init(_ user: User) {
        id = user.id
        name = user.name
        role = user.role.rawValue
        teams = user.teams
        createdAt = Timestamp.format(user.createdAt)
        updatedAt = Timestamp.format(user.updatedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, teams
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

struct TeamResponse: ResponseEncodable, Sendable {
    var id: Int64
    var name: String
    var members: [String]

    init(_ team: Team) {
        id = team.id
        name = team.name
        members = team.members
    }
}

struct GrantResponse: ResponseEncodable, Sendable {
    var id: Int64
    var subjectKind: String
    var subject: String
    var resourceKind: String
    var resource: String

    init(_ grant: Grant) {
        id = grant.id
        subjectKind = grant.subjectKind.rawValue
        subject = grant.subject
        resourceKind = grant.resourceKind.rawValue
        resource = grant.resource
    }

    enum CodingKeys: String, CodingKey {
        case id, subject, resource
        case subjectKind = "subject_kind"
        case resourceKind = "resource_kind"
    }
}

/// A token as listed; `token` holds the secret only in the answer that created it.
struct TokenResponse: ResponseEncodable, Sendable {
    var id: Int64
    var user: String
    var name: String
    var createdAt: String
    var expiresAt: String?
    var lastUsedAt: String?
    var token: String?

    init(_ token: APIToken, secret: String? = nil) {
        id = token.id
        user = token.user
        name = token.name
        createdAt = Timestamp.format(token.createdAt)
        expiresAt = token.expiresAt.map(Timestamp.format)
        lastUsedAt = token.lastUsedAt.map(Timestamp.format)
        self.token = secret
    }

    enum CodingKeys: String, CodingKey {
        case id, user, name, token
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(user, forKey: .user)
        try container.encode(name, forKey: .name)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(lastUsedAt, forKey: .lastUsedAt)
        try container.encodeIfPresent(token, forKey: .token)
    }
}

struct AuditResponse: Encodable, Sendable {
    var id: Int64
    var time: String
    var actor: String?
    var action: String
    var target: String?
    var source: String?
    var detail: String?

    init(_ entry: AuditEntry) {
        id = entry.id
        time = Timestamp.format(entry.time)
        actor = entry.actor
        action = entry.action
        target = entry.target
        source = entry.source
        detail = entry.detail
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(time, forKey: .time)
        try container.encode(actor, forKey: .actor)
        try container.encode(action, forKey: .action)
        try container.encode(target, forKey: .target)
        try container.encode(source, forKey: .source)
        try container.encode(detail, forKey: .detail)
    }

    enum CodingKeys: String, CodingKey {
        case id, time, actor, action, target, source, detail
    }
}

struct AuditPageResponse: ResponseEncodable, Sendable {
    var entries: [AuditResponse]
    /// Pass as `before` for the next page; null on the last page.
    var nextBefore: Int64?

    enum CodingKeys: String, CodingKey {
        case entries
        case nextBefore = "next_before"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
        try container.encode(nextBefore, forKey: .nextBefore)
    }
}

/// A template as the API shows it: its launch defaults flat, env values left out.
struct TemplateResponse: ResponseEncodable, Sendable {
    var template: JobTemplate

    init(_ template: JobTemplate) {
        self.template = template
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, project, playbook, inventory, credentials, limit, tags, check, diff, verbosity, forks
        case timeout, prompts, survey, slices
        case extraVars = "extra_vars"
        case skipTags = "skip_tags"
        case envNames = "env_names"
        case allowConcurrent = "allow_concurrent"
        case allowedVars = "allowed_vars"
        case allowedEnv = "allowed_env"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        let definition = template.definition
        let parameters = definition.parameters
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(template.id, forKey: .id)
        try container.encode(template.name, forKey: .name)
        try container.encode(definition.description, forKey: .description)
        try container.encode(parameters.project, forKey: .project)
        try container.encode(parameters.playbook, forKey: .playbook)
        try container.encode(parameters.inventory, forKey: .inventory)
        try container.encode(parameters.credentials ?? [], forKey: .credentials)
        try container.encode(parameters.extraVars ?? [:], forKey: .extraVars)
        try container.encode(parameters.limit, forKey: .limit)
        try container.encode(parameters.tags, forKey: .tags)
        try container.encode(parameters.skipTags, forKey: .skipTags)
        try container.encode(parameters.check ?? false, forKey: .check)
        try container.encode(parameters.diff ?? false, forKey: .diff)
        try container.encode(parameters.verbosity ?? 0, forKey: .verbosity)
        try container.encode(parameters.forks, forKey: .forks)
        try container.encode(parameters.timeout, forKey: .timeout)
        try container.encode(parameters.slices, forKey: .slices)
        try container.encode((parameters.env ?? [:]).keys.sorted(), forKey: .envNames)
        try container.encode(definition.prompts, forKey: .prompts)
        try container.encode(definition.allowConcurrent, forKey: .allowConcurrent)
        try container.encode(definition.allowedVars, forKey: .allowedVars)
        try container.encode(definition.allowedEnv, forKey: .allowedEnv)
        try container.encode(definition.survey, forKey: .survey)
        try container.encode(Timestamp.format(template.createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(template.updatedAt), forKey: .updatedAt)
    }
}

/// A template's survey with every question's choices as the form should offer them now.
struct SurveyResponse: ResponseEncodable, Sendable {
    var questions: [SurveyQuestion]
}
