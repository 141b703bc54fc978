import HTTPTypes
import PlayhouseCore

/// `{"name", "ansible_core", "python_packages"}`: an Ansible environment to define.
struct EnvironmentRequest: Decodable {
    var name: String
    var environment: AnsibleEnvironment

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case ansibleCore = "ansible_core"
        case pythonPackages = "python_packages"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeLabel(forKey: .name, maxLength: 100)
        environment = try AnsibleEnvironment(
            ansibleCore: try container.decode(String.self, forKey: .ansibleCore),
            pythonPackages: try container.decodeIfPresent([String].self, forKey: .pythonPackages) ?? [])
    }
}

/// `{"environment": NAME}` or `{"environment": null}`: the environment a project or
/// template runs with, or none chosen.
struct EnvironmentChoiceRequest: Decodable {
    var environment: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case environment
    }

    /// `environment` must be sent, null included: an empty body clears nothing by accident.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.environment) else {
            throw APIError(.badRequest, "environment is required", detail: "send a name, or null for none")
        }
        environment = try container.decodeIfPresent(String.self, forKey: .environment)
    }
}
