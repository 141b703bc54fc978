import Foundation

/// Hides known secret values in text a run produces, before anything is stored.
///
/// Each secret is hidden as written and as JSON writes it (Ansible prints results as
/// JSON); a secret of several lines (a private key) is also hidden line by line. Values
/// shorter than ``minimumLength`` are not hidden: masking them would garble ordinary
/// output and reveal which short strings the secret is made of.
public struct SecretMask: Sendable, Equatable {
    /// What a hidden value is replaced with.
    public static let replacement = "********"
    public static let minimumLength = 4

    /// The strings to hide, longest first, so a secret containing another is hidden whole.
    public let needles: [String]

    public init(secrets: [String]) {
        var needles = Set<String>()
        for secret in secrets {
            var forms = [secret]
            let lines = secret.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            if lines.count > 1 { forms += lines }
            for form in forms where form.count >= Self.minimumLength {
                needles.insert(form)
                let escaped = String(JSONValue.string(form).jsonString().dropFirst().dropLast())
                needles.insert(escaped)
            }
        }
        self.needles = needles.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    public var isEmpty: Bool { needles.isEmpty }

    /// What the callback plugin appends where it cut a long string short.
    public static let cutMark = "… [truncated]"

    /// `text` with every secret replaced; in text that was cut short (it ends with
    /// ``cutMark``) the beginning of a secret left at the cut is hidden too.
    public func apply(_ text: String) -> String {
        guard !needles.isEmpty else { return text }
        guard text.hasSuffix(Self.cutMark) else { return replacingWhole(text) }
        return applyCut(text.dropLast(Self.cutMark.count)) + Self.cutMark
    }

    /// `text`, which was cut off at its end, with every secret replaced and the
    /// beginning of a secret at the cut hidden as well: a cut must never let a secret's
    /// first half through.
    public func applyCut(_ text: some StringProtocol) -> String {
        let result = replacingWhole(String(text))
        for needle in needles {
            for length in stride(from: needle.count - 1, through: 1, by: -1) where result.hasSuffix(needle.prefix(length)) {
                return String(result.dropLast(length)) + Self.replacement
            }
        }
        return result
    }

    private func replacingWhole(_ text: String) -> String {
        var result = text
        for needle in needles where result.contains(needle) {
            result = result.replacing(needle, with: Self.replacement)
        }
        return result
    }

    public func apply(_ text: String?) -> String? {
        text.map { apply($0) }
    }

    /// `value` with every secret replaced in its strings and keys.
    public func apply(_ value: JSONValue) -> JSONValue {
        guard !needles.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(apply(text))
        case .array(let items): return .array(items.map { apply($0) })
        case .object(let members):
            return .object(Dictionary(members.map { (apply($0.key), apply($0.value)) }, uniquingKeysWith: { first, _ in first }))
        case .null, .bool, .number: return value
        }
    }
}

extension JobEvent {
    /// The event with every secret of `mask` replaced in its text fields and data.
    public func masked(by mask: SecretMask) -> JobEvent {
        guard !mask.isEmpty else { return self }
        var event = self
        event.play = mask.apply(play)
        event.task = mask.apply(task)
        event.host = mask.apply(host)
        event.message = mask.apply(message)
        event.data = data.map { mask.apply($0) }
        return event
    }
}
