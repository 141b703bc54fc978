import PlayhouseCore

/// `{…the launch fields the template prompts for, "survey": {variable: answer}}`, all
/// optional: a template's launch, from a person or a webhook.
struct TemplateLaunchRequest: EmptyBodyDecodable {
    var launch: LaunchRequest
    var answers: [String: JSONValue]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case survey
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let launchFields = try decoder.container(keyedBy: LaunchField.self)
        switch try container.decodeIfPresent(JSONValue.self, forKey: .survey) {
        case nil: answers = [:]
        case .object(let given)?: answers = given
        default: throw DecodingError.expected("an object of answers by variable name", at: [CodingKeys.survey])
        }
        launch = try LaunchRequest(launchFields)
    }
}
