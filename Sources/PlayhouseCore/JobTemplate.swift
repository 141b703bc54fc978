import Foundation

/// A launch prepared once by an admin: what to run with which defaults, what the launcher
/// may change, and what the launch form asks.
public struct JobTemplate: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var definition: TemplateDefinition
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, name: String, definition: TemplateDefinition, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.definition = definition
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The stored part of a template.
public struct TemplateDefinition: Sendable, Equatable, Codable {
    public var description: String?
    /// Project, playbook, inventory, credentials and the defaults of every other launch field.
    public var parameters: JobParameters
    /// The launch fields a launcher may set (see ``promptable``); the rest are fixed.
    public var prompts: [String]
    /// Whether a launch may run while another job of the template runs; otherwise it waits
    /// `queued` behind it.
    public var allowConcurrent: Bool
    public var survey: [SurveyQuestion]

    /// Launch fields a template may let the launcher change.
    public static let promptable: [String] = [
        "inventory", "credentials", "extra_vars", "limit", "tags", "skip_tags", "check", "diff", "verbosity", "forks",
        "timeout", "env",
    ]

    public init(
        description: String? = nil, parameters: JobParameters, prompts: [String] = [], allowConcurrent: Bool = false,
        survey: [SurveyQuestion] = []
    ) {
        self.description = description
        self.parameters = parameters
        self.prompts = prompts
        self.allowConcurrent = allowConcurrent
        self.survey = survey
    }

    enum CodingKeys: String, CodingKey {
        case description, parameters, prompts, survey
        case allowConcurrent = "allow_concurrent"
    }

    /// Checks what can be checked without the disk or the store.
    public func validate() throws(ValidationError) {
        try parameters.validate()
        if let unknown = prompts.first(where: { !Self.promptable.contains($0) }) {
            throw ValidationError("prompts may name \(Self.promptable.joined(separator: ", ")); not \"\(unknown)\"")
        }
        var seen = Set<String>()
        for question in survey {
            try question.validateDefinition()
            guard seen.insert(question.variable).inserted else {
                throw ValidationError("the survey asks for \(question.variable) twice")
            }
        }
    }
}

extension JobTemplate {
    /// The parameters of one launch: `base` (the template's, with what the launcher
    /// changed), the survey's answers as extra vars (password answers apart, for sealing),
    /// who launched, and whether the job waits for the template's other jobs. `choices`
    /// holds the options resolved for questions that fetch theirs.
    public func launch(
        _ base: JobParameters, answers: [String: JSONValue], choices: [String: [String]], launchedBy: String
    ) throws(ValidationError) -> (parameters: JobParameters, secrets: [String: JSONValue]) {
        let variables = Set(definition.survey.map(\.variable))
        if let unknown = answers.keys.sorted().first(where: { !variables.contains($0) }) {
            throw ValidationError("the survey has no question for \"\(unknown)\"")
        }
        var parameters = base
        var secrets: [String: JSONValue] = [:]
        for question in definition.survey {
            guard let value = try question.answer(answers[question.variable], choices: choices[question.variable] ?? question.choices) else {
                continue
            }
            if question.kind == .password {
                secrets[question.variable] = value
            } else {
                parameters.extraVars = (parameters.extraVars ?? [:]).merging([question.variable: value]) { $1 }
            }
        }
        parameters.launchedBy = launchedBy
        parameters.templateID = id
        parameters.exclusive = definition.allowConcurrent ? nil : true
        return (parameters, secrets)
    }
}
