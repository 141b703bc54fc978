import PlayhouseCore

/// A launch request's keys are the launch fields' API names.
extension LaunchField: CodingKey {}

/// The launch fields a body sets, read in ``LaunchField`` order: a launch with no template
/// (`POST /api/v1/jobs`), and the part of a template or a template launch that sets them.
/// A field set to null is set to nothing.
struct LaunchRequest: Decodable {
    var overrides = LaunchOverrides()

    /// A launch with no template: these fields over nothing.
    var parameters: JobParameters { overrides.apply(to: JobParameters(project: "", playbook: "", inventory: "")) }

    init(from decoder: any Decoder) throws {
        try self.init(try decoder.container(keyedBy: LaunchField.self))
    }

    /// The launch fields of a body whose type reads other fields too: it opens this
    /// container with its own, before it reads any value (``JSONValueDecoder``).
    init(_ container: KeyedDecodingContainer<LaunchField>) throws {
        for field in LaunchField.allCases where container.contains(field) {
            func value<Value: Decodable>(_ type: Value.Type) throws -> Value? {
                try container.decodeIfPresent(type, forKey: field)
            }
            switch field {
            case .project: overrides.set(field, \.project, try value(String.self) ?? "")
            case .playbook: overrides.set(field, \.playbook, try value(String.self) ?? "")
            case .inventory: overrides.set(field, \.inventory, try value(InventoryPathOrID.self)?.text ?? "")
            case .credentials: overrides.set(field, \.credentials, try value(RecordIDs.self)?.ids)
            case .extraVars: overrides.set(field, \.extraVars, try value(ExtraVars.self)?.variables)
            case .limit: overrides.set(field, \.limit, try value(String.self).flatMap { $0.isEmpty ? nil : $0 })
            case .tags: overrides.set(field, \.tags, try value(NameList.self)?.names)
            case .skipTags: overrides.set(field, \.skipTags, try value(NameList.self)?.names)
            case .check: overrides.set(field, \.check, try value(Bool.self))
            case .diff: overrides.set(field, \.diff, try value(Bool.self))
            case .verbosity: overrides.set(field, \.verbosity, try value(Int.self))
            case .forks: overrides.set(field, \.forks, try value(Int.self))
            case .priority: overrides.set(field, \.priority, try value(Int.self))
            case .timeout: overrides.set(field, \.timeout, try value(Seconds.self)?.value)
            case .env: overrides.set(field, \.env, try value(EnvironmentStrings.self)?.values)
            case .slices: overrides.set(field, \.slices, try value(Int.self))
            case .workerGroup: overrides.set(field, \.workerGroup, try value(String.self).flatMap { $0.isEmpty ? nil : $0 })
            }
        }
    }
}
