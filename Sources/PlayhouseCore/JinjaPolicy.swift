/// Which extra vars Ansible may evaluate `{{ … }}` in. Everything else reaches Ansible
/// marked unsafe, so Jinja in it arrives as literal text.
public enum JinjaPolicy: String, Sendable, CaseIterable, Codable {
    /// No extra vars are templated, not even a template's.
    case never
    /// Only the extra vars an admin wrote into a template (AWX's default,
    /// `ALLOW_JINJA_IN_EXTRA_VARS=template`).
    case template
    /// Every extra var, also a launcher's: anyone who may launch may run code on the worker.
    /// A forge push's variables (``ForgePush/variablePrefix``) stay data even so.
    case always
}

extension JobParameters {
    /// Moves extra vars between ``templateVars`` (may be templated) and ``extraVars``
    /// (data) as `policy` says; a launch's values stay on top of a template's.
    public mutating func apply(_ policy: JinjaPolicy) {
        switch policy {
        case .template:
            break
        case .never:
            guard let templateVars else { return }
            extraVars = templateVars.merging(extraVars ?? [:]) { $1 }
            self.templateVars = nil
        case .always:
            guard let extraVars else { return }
            // A forge push's variables stay data: their author need not be a Playhouse user.
            let pushed = extraVars.filter { $0.key.hasPrefix(ForgePush.variablePrefix) }
            templateVars = (templateVars ?? [:]).merging(extraVars.filter { pushed[$0.key] == nil }) { $1 }
            self.extraVars = pushed.isEmpty ? nil : pushed
        }
    }
}
