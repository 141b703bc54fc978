import ArgumentParser
import OpenAPIRuntime

/// `--survey key=value` answers, typed by the survey's own questions: numbers for integer
/// and float questions, true/false for boolean ones, a comma-separated list for
/// multichoice, text for the rest. The server checks each answer against its question.
enum SurveyAnswers {
    static func parse(_ answers: [String], questions: [Components.Schemas.SurveyQuestion]) throws -> OpenAPIObjectContainer? {
        guard !answers.isEmpty else { return nil }
        var values: [String: (any Sendable)?] = [:]
        for answer in answers {
            guard let equals = answer.firstIndex(of: "="), equals != answer.startIndex else {
                throw ValidationError("--survey \"\(answer)\" is not key=value")
            }
            let key = String(answer[..<equals])
            let text = String(answer[answer.index(after: equals)...])
            guard let question = questions.first(where: { $0.variable == key }) else {
                let known = questions.map(\.variable).joined(separator: ", ")
                throw ValidationError("the survey asks no \"\(key)\"; it asks: \(known.isEmpty ? "nothing" : known)")
            }
            values[key] = try typed(text, for: question)
        }
        return try OpenAPIObjectContainer(unvalidatedValue: values)
    }

    private static func typed(_ text: String, for question: Components.Schemas.SurveyQuestion) throws -> any Sendable {
        switch question._type {
        case .integer:
            guard let number = Int(text) else {
                throw ValidationError("--survey \(question.variable) wants a whole number, not \"\(text)\"")
            }
            return number
        case .float:
            guard let number = Double(text) else { throw ValidationError("--survey \(question.variable) wants a number, not \"\(text)\"") }
            return number
        case .boolean:
            guard let flag = Bool(text.lowercased()) else { throw ValidationError("--survey \(question.variable) wants true or false") }
            return flag
        case .multichoice:
            return text.split(separator: ",").map { String($0) }
        case .text, .textarea, .choice, .password:
            return text
        }
    }
}
