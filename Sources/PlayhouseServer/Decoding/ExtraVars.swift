import HTTPTypes
import PlayhouseCore

/// Extra vars as a request sends them: a JSON object, or YAML/JSON text of a mapping (as
/// the launch form sends it); text that holds nothing is no vars. Whether they are plain
/// data is checked once, with every other launch field, by ``JobParameters/validate()``.
struct ExtraVars: Decodable {
    var variables: [String: JSONValue]?

    init(from decoder: any Decoder) throws {
        switch try decoder.jsonValue() {
        case .object(let values):
            variables = values
        case .string(let text):
            let parsed: JSONValue?
            do {
                parsed = try YAMLData.load(text)
            } catch {
                throw APIError(
                    .badRequest, "\(decoder.field) \(error.message)", detail: "send a mapping of variable names to values, as YAML or JSON")
            }
            switch parsed {
            case nil: variables = nil
            case .object(let values)?: variables = values
            default: throw DecodingError.expected("a mapping of variable names to values", at: decoder.codingPath)
            }
        default:
            throw DecodingError.expected("an object, or YAML/JSON text of a mapping", at: decoder.codingPath)
        }
    }
}
