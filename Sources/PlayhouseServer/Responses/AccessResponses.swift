import Foundation
import Hummingbird
import PlayhouseCore

/// A user as the API shows it: never the password.
typealias UserResponse = StampedResponse<UserFields>

/// A user's own keys in ``UserResponse``.
struct UserFields: Encodable, Sendable {
    var role: String
    var teams: [String]
}

extension StampedResponse<UserFields> {
    init(_ user: User) {
        self.init(UserFields(role: user.role.rawValue, teams: user.teams), of: user)
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
    @ExplicitNull var expiresAt: String?
    @ExplicitNull var lastUsedAt: String?
    /// Left out, rather than null, of every answer but the one that made the token.
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
}

struct AuditResponse: Encodable, Sendable {
    var id: Int64
    var time: String
    @ExplicitNull var actor: String?
    var action: String
    @ExplicitNull var target: String?
    @ExplicitNull var source: String?
    @ExplicitNull var detail: String?

    init(_ entry: AuditEntry) {
        id = entry.id
        time = Timestamp.format(entry.time)
        actor = entry.actor
        action = entry.action.rawValue
        target = entry.target
        source = entry.source
        detail = entry.detail
    }
}

/// A template as the API shows it: its launch defaults flat, env values left out.
typealias TemplateResponse = StampedResponse<Merged<LaunchFields, TemplateFields>>

extension StampedResponse<Merged<LaunchFields, TemplateFields>> {
    init(_ template: JobTemplate) {
        self.init(Merged(LaunchFields(template.definition.parameters), TemplateFields(template)), of: template)
    }
}

/// A template's own keys in ``TemplateResponse``.
struct TemplateFields: Encodable, Sendable {
    @ExplicitNull var description: String?
    var extraVars: [String: JSONValue]
    @ExplicitNull var slices: Int?
    var prompts: [String]
    var allowConcurrent: Bool
    var allowedVars: [String]
    var allowedEnv: [String]
    var survey: [SurveyQuestion]
    var workerGroups: [String]
    @ExplicitNull var weight: Int?

    init(_ template: JobTemplate) {
        let definition = template.definition
        let parameters = definition.parameters
        description = definition.description
        extraVars = parameters.extraVars ?? [:]
        slices = parameters.slices
        prompts = definition.prompts
        allowConcurrent = definition.allowConcurrent
        allowedVars = definition.allowedVars
        allowedEnv = definition.allowedEnv
        survey = definition.survey
        workerGroups = definition.workerGroups
        weight = definition.weight
    }

    enum CodingKeys: String, CodingKey {
        case description, prompts, survey, slices
        case extraVars = "extra_vars"
        case allowConcurrent = "allow_concurrent"
        case allowedVars = "allowed_vars"
        case allowedEnv = "allowed_env"
        case workerGroups = "worker_groups"
        case weight
    }
}

/// Every launch field, and those a template may prompt for.
struct LaunchFieldsResponse: ResponseEncodable, Sendable {
    var fields: [String]
    var promptable: [String]
}
