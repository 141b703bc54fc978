import HTTPTypes
import PlayhouseCore

/// `{"name", "description", …launch fields as defaults, "prompts", "allow_concurrent",
/// "survey", "allowed_vars", "allowed_env", "worker_groups", "weight"}`: a template to save.
struct TemplateRequest: Decodable {
    var name: String
    var definition: TemplateDefinition

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, prompts, survey
        case allowConcurrent = "allow_concurrent"
        case allowedVars = "allowed_vars"
        case allowedEnv = "allowed_env"
        case workerGroups = "worker_groups"
        case weight
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let launchFields = try decoder.container(keyedBy: LaunchField.self)
        name = try container.decodeLabel(forKey: .name)
        let parameters = try LaunchRequest(launchFields).parameters
        let survey = try container.decodeIfPresent(Survey.self, forKey: .survey)?.questions ?? []
        definition = TemplateDefinition(
            description: try container.decodeIfPresent(String.self, forKey: .description),
            parameters: parameters,
            prompts: try container.decodeIfPresent(NameList.self, forKey: .prompts)?.names ?? [],
            allowConcurrent: try container.decodeIfPresent(Bool.self, forKey: .allowConcurrent) ?? false,
            survey: survey,
            allowedVars: try container.decodeIfPresent(NameList.self, forKey: .allowedVars)?.names ?? [],
            allowedEnv: try container.decodeIfPresent(NameList.self, forKey: .allowedEnv)?.names ?? [],
            workerGroups: try container.decodeIfPresent(NameList.self, forKey: .workerGroups)?.names ?? [],
            weight: try container.decodeIfPresent(Int.self, forKey: .weight))
    }

    /// The survey's questions, each decoded alone so that a bad one is named by its place.
    struct Survey: Decodable {
        var questions: [SurveyQuestion] = []

        init(from decoder: any Decoder) throws {
            guard var items = try? decoder.unkeyedContainer() else {
                throw DecodingError.expected("a list of questions", at: decoder.codingPath)
            }
            while !items.isAtEnd {
                let number = items.currentIndex + 1
                do {
                    questions.append(try items.decode(SurveyQuestion.self))
                } catch let error as DecodingError {
                    let kinds = SurveyQuestion.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw APIError(
                        .badRequest, "survey question \(number) is not valid",
                        detail: "each question needs variable, question and type (\(kinds)); \(Self.describe(error, in: decoder))")
                }
            }
        }

        /// What is wrong with a question, in a few words, its fields named from the question.
        static func describe(_ error: DecodingError, in decoder: any Decoder) -> String {
            let depth = decoder.codingPath.count + 1
            switch error {
            case .keyNotFound(let key, _):
                return "\(key.stringValue) is missing"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                return "\(context.codingPath.dropFirst(depth).map(\.stringValue).joined(separator: ".")) is not valid"
            @unknown default:
                return "\(error)"
            }
        }
    }
}
