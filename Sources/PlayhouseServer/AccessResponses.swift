import Foundation
import Hummingbird
import PlayhouseCore

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
struct TemplateResponse: ResponseEncodable, Sendable {
    var id: Int64
    var name: String
    @ExplicitNull var description: String?
    var project: String
    var playbook: String
    var inventory: String
    var credentials: [Int64]
    var extraVars: [String: JSONValue]
    @ExplicitNull var limit: String?
    @ExplicitNull var tags: [String]?
    @ExplicitNull var skipTags: [String]?
    var check: Bool
    var diff: Bool
    var verbosity: Int
    @ExplicitNull var forks: Int?
    @ExplicitNull var timeout: Double?
    @ExplicitNull var slices: Int?
    var envNames: [String]
    var prompts: [String]
    var allowConcurrent: Bool
    var allowedVars: [String]
    var allowedEnv: [String]
    var survey: [SurveyQuestion]
    var createdAt: String
    var updatedAt: String

    init(_ template: JobTemplate) {
        let definition = template.definition
        let parameters = definition.parameters
        id = template.id
        name = template.name
        description = definition.description
        project = parameters.project
        playbook = parameters.playbook
        inventory = parameters.inventory
        credentials = parameters.credentials ?? []
        extraVars = parameters.extraVars ?? [:]
        limit = parameters.limit
        tags = parameters.tags
        skipTags = parameters.skipTags
        check = parameters.check ?? false
        diff = parameters.diff ?? false
        verbosity = parameters.verbosity ?? 0
        forks = parameters.forks
        timeout = parameters.timeout
        slices = parameters.slices
        envNames = (parameters.env ?? [:]).keys.sorted()
        prompts = definition.prompts
        allowConcurrent = definition.allowConcurrent
        allowedVars = definition.allowedVars
        allowedEnv = definition.allowedEnv
        survey = definition.survey
        createdAt = Timestamp.format(template.createdAt)
        updatedAt = Timestamp.format(template.updatedAt)
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
}

/// Every launch field, and those a template may prompt for.
struct LaunchFieldsResponse: ResponseEncodable, Sendable {
    var fields: [String]
    var promptable: [String]
}
