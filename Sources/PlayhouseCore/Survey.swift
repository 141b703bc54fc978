import Foundation

/// One question a template asks at launch; the answer becomes the extra var `variable`.
public struct SurveyQuestion: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case text, textarea, integer, float, choice
        case multiChoice = "multichoice"
        case password, boolean
    }

    /// Where a choice question's options come from when the form opens.
    public struct ChoiceSource: Sendable, Equatable, Codable {
        /// A URL answering a JSON list of strings.
        public var url: String?
        /// The hosts of `group` in an inventory: a stored inventory id, or a path in the
        /// template's project.
        public var inventory: String?
        public var group: String?

        public init(url: String? = nil, inventory: String? = nil, group: String? = nil) {
            self.url = url
            self.inventory = inventory
            self.group = group
        }
    }

    public var variable: String
    public var question: String
    public var description: String?
    public var kind: Kind
    public var required: Bool
    public var `default`: JSONValue?
    /// For numbers, the smallest and largest value; for text, the shortest and longest length.
    public var min: Double?
    public var max: Double?
    /// For text, textarea and password: the whole answer must match.
    public var regex: String?
    /// For choice and multichoice, unless ``choicesFrom`` gives them.
    public var choices: [String]?
    public var choicesFrom: ChoiceSource?

    public init(
        variable: String, question: String, description: String? = nil, kind: Kind, required: Bool = false,
        default: JSONValue? = nil, min: Double? = nil, max: Double? = nil, regex: String? = nil,
        choices: [String]? = nil, choicesFrom: ChoiceSource? = nil
    ) {
        self.variable = variable
        self.question = question
        self.description = description
        self.kind = kind
        self.required = required
        self.default = `default`
        self.min = min
        self.max = max
        self.regex = regex
        self.choices = choices
        self.choicesFrom = choicesFrom
    }

    enum CodingKeys: String, CodingKey {
        case variable, question, description, required, min, max, regex, choices
        case kind = "type"
        case `default`
        case choicesFrom = "choices_from"
    }

    /// `required` may be left out (false).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        variable = try container.decode(String.self, forKey: .variable)
        question = try container.decode(String.self, forKey: .question)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        kind = try container.decode(Kind.self, forKey: .kind)
        required = try container.decodeIfPresent(Bool.self, forKey: .required) ?? false
        `default` = try container.decodeIfPresent(JSONValue.self, forKey: .default)
        min = try container.decodeIfPresent(Double.self, forKey: .min)
        max = try container.decodeIfPresent(Double.self, forKey: .max)
        regex = try container.decodeIfPresent(String.self, forKey: .regex)
        choices = try container.decodeIfPresent([String].self, forKey: .choices)
        choicesFrom = try container.decodeIfPresent(ChoiceSource.self, forKey: .choicesFrom)
    }

    /// Checks the question itself, when a template is saved.
    public func validateDefinition() throws(ValidationError) {
        guard LaunchValues.isVariableName(variable) else {
            throw ValidationError("survey variable \"\(variable)\" must be a variable name (letters, digits and _, not first a digit)")
        }
        guard !question.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("survey question for \(variable) needs its text (\"question\")")
        }
        if let regex, (try? Regex(regex)) == nil {
            throw ValidationError("the regex of survey question \"\(question)\" is not a valid regular expression")
        }
        if let min, let max, min > max { throw ValidationError("survey question \"\(question)\" has min above max") }
        switch kind {
        case .choice, .multiChoice:
            let sources = [choices != nil, choicesFrom != nil].filter { $0 }.count
            guard sources == 1 else {
                throw ValidationError("choice question \"\(question)\" needs either choices or choices_from")
            }
            if let from = choicesFrom {
                guard (from.url != nil) != (from.inventory != nil), from.inventory == nil || from.group != nil else {
                    throw ValidationError("choices_from of \"\(question)\" takes a url, or an inventory with a group")
                }
            }
        default:
            guard choices == nil, choicesFrom == nil else {
                throw ValidationError("only choice and multichoice questions take choices (\"\(question)\")")
            }
        }
        if kind == .password, `default` != nil {
            throw ValidationError("password question \"\(question)\" cannot have a default: it would be stored in clear")
        }
        if let value = `default` {
            do {
                _ = try answer(value, choices: kind == .choice || kind == .multiChoice ? choices : nil)
            } catch {
                throw ValidationError("the default of \"\(question)\": \(error.message)")
            }
        }
    }

    /// The extra var for `given` (nil: not answered), checked against the question;
    /// `choices` are the options offered (resolved when they come from elsewhere). A bad
    /// answer is a ``ValidationError`` naming the question.
    public func answer(_ given: JSONValue?, choices: [String]?) throws(ValidationError) -> JSONValue? {
        let value = given.flatMap { $0 == .null || $0 == .string("") || $0 == .array([]) ? nil : $0 } ?? `default`
        guard let value else {
            if required { throw fail("is required") }
            return nil
        }
        switch kind {
        case .text, .textarea, .password:
            guard case .string(let text) = value else { throw fail("must be text") }
            if let min, Double(text.count) < min { throw fail("must have at least \(Self.whole(min)) characters") }
            if let max, Double(text.count) > max { throw fail("must have at most \(Self.whole(max)) characters") }
            if let regex, let pattern = try? Regex(regex), (try? pattern.wholeMatch(in: text)) == nil {
                throw fail("does not match \(regex)")
            }
            return .string(text)
        case .integer, .float:
            let number: Double
            switch value {
            case .number(let n): number = n
            case .string(let text):
                guard let n = Double(text.trimmingCharacters(in: .whitespaces)) else { throw fail("must be a number") }
                number = n
            default: throw fail("must be a number")
            }
            if kind == .integer, number.rounded() != number { throw fail("must be a whole number") }
            if let min, number < min { throw fail("must be at least \(min.formatted())") }
            if let max, number > max { throw fail("must be at most \(max.formatted())") }
            return .number(number)
        case .boolean:
            switch value {
            case .bool(let flag): return .bool(flag)
            case .string("true"): return .bool(true)
            case .string("false"): return .bool(false)
            default: throw fail("must be true or false")
            }
        case .choice:
            guard case .string(let picked) = value else { throw fail("must be one of the choices") }
            if let choices, !choices.contains(picked) { throw fail("must be one of \(choices.joined(separator: ", ")), got \"\(picked)\"") }
            return .string(picked)
        case .multiChoice:
            let picked: [String]
            switch value {
            case .array(let items):
                picked = try items.map { item throws(ValidationError) in
                    guard case .string(let text) = item else { throw fail("must be a list of choices") }
                    return text
                }
            case .string(let one): picked = [one]
            default: throw fail("must be a list of choices")
            }
            if let choices, let wrong = picked.first(where: { !choices.contains($0) }) {
                throw fail("must be among \(choices.joined(separator: ", ")), got \"\(wrong)\"")
            }
            if let min, Double(picked.count) < min { throw fail("needs at least \(Self.whole(min)) choices") }
            if let max, Double(picked.count) > max { throw fail("takes at most \(Self.whole(max)) choices") }
            if required, picked.isEmpty { throw fail("is required") }
            return .array(picked.map(JSONValue.string))
        }
    }

    /// A count for a message: a bound of any size, written without trapping.
    private static func whole(_ bound: Double) -> String {
        abs(bound) < 1e15 ? String(Int(bound)) : "\(bound)"
    }

    private func fail(_ what: String) -> ValidationError {
        ValidationError("the answer to \"\(question)\" (\(variable)) \(what)")
    }
}
