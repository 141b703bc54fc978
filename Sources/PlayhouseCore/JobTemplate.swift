public import Foundation

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
    /// The launch fields a launcher may set (see ``LaunchField/promptable``); the rest are fixed.
    public var prompts: [String]
    /// Whether a launch may run while another job of the template runs; otherwise it waits
    /// `queued` behind it.
    public var allowConcurrent: Bool
    public var survey: [SurveyQuestion]
    /// Variables Ansible uses to connect or execute (``LaunchValues/isReserved(_:)``) that
    /// a launcher of this template may still set, in extra vars or through the survey.
    public var allowedVars: [String]
    /// Environment names a launcher of this template may set, beside the project's.
    public var allowedEnv: [String]
    /// The worker groups its jobs may run on; none: its inventory's, else its project's.
    public var workerGroups: [String]
    /// The forks its jobs take of a worker's capacity, instead of their forks.
    public var weight: Int?

    public init(
        description: String? = nil, parameters: JobParameters, prompts: [String] = [], allowConcurrent: Bool = false,
        survey: [SurveyQuestion] = [], allowedVars: [String] = [], allowedEnv: [String] = [], workerGroups: [String] = [],
        weight: Int? = nil
    ) {
        self.description = description
        self.parameters = parameters
        self.prompts = prompts
        self.allowConcurrent = allowConcurrent
        self.survey = survey
        self.allowedVars = allowedVars
        self.allowedEnv = allowedEnv
        self.workerGroups = workerGroups
        self.weight = weight
    }

    enum CodingKeys: String, CodingKey {
        case description, parameters, prompts, survey
        case allowConcurrent = "allow_concurrent"
        case allowedVars = "allowed_vars"
        case allowedEnv = "allowed_env"
        case workerGroups = "worker_groups"
        case weight
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        parameters = try container.decode(JobParameters.self, forKey: .parameters)
        prompts = try container.decode([String].self, forKey: .prompts)
        allowConcurrent = try container.decode(Bool.self, forKey: .allowConcurrent)
        survey = try container.decode([SurveyQuestion].self, forKey: .survey)
        // Templates stored before these settings existed allow nothing more.
        allowedVars = try container.decodeIfPresent([String].self, forKey: .allowedVars) ?? []
        allowedEnv = try container.decodeIfPresent([String].self, forKey: .allowedEnv) ?? []
        workerGroups = try container.decodeIfPresent([String].self, forKey: .workerGroups) ?? []
        weight = try container.decodeIfPresent(Int.self, forKey: .weight)
    }

    /// The parameters a launch starts from: the template's extra vars become
    /// ``JobParameters/templateVars`` (an admin wrote them), so what the launcher adds
    /// stays data.
    public var launchBase: JobParameters {
        var base = parameters
        base.templateVars = base.extraVars
        base.extraVars = nil
        return base
    }

    /// Checks what can be checked without the disk or the store.
    public func validate() throws(ValidationError) {
        try parameters.validate()
        if let unknown = prompts.first(where: { LaunchField(rawValue: $0).map(LaunchField.promptable.contains) != true }) {
            throw ValidationError(
                "prompts may name \(LaunchField.names(LaunchField.promptable).joined(separator: ", ")); not \"\(unknown)\"")
        }
        for name in allowedVars where !LaunchValues.isVariableName(name) {
            throw ValidationError("allowed_vars must be variable names; not \"\(name.prefix(100))\"")
        }
        for name in allowedEnv {
            try JobParameters.checkAllowedEnvironmentName(name)
        }
        _ = try WorkerGroups.validate(workerGroups, field: "worker_groups")
        if let weight, !(1...ForkCapacity.maxWeight).contains(weight) {
            throw ValidationError("weight must be between 1 and \(ForkCapacity.maxWeight) forks, got \(weight)")
        }
        if let group = parameters.workerGroup, !workerGroups.isEmpty, !workerGroups.contains(group) {
            throw ValidationError(
                "worker_group \(group) is not one of the template's worker_groups (\(workerGroups.joined(separator: ", ")))")
        }
        var seen = Set<String>()
        for question in survey {
            try question.validateDefinition()
            if LaunchValues.isReserved(question.variable), !allowedVars.contains(question.variable) {
                throw ValidationError(
                    "survey variable \(question.variable) is one Ansible uses to connect or execute; "
                        + "list it in allowed_vars to let launchers answer it"
                )
            }
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
            guard let value = try question.answer(answers[question.variable], choices: choices[question.variable] ?? question.choices)
            else {
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
