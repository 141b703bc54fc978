/// What an event reports: Ansible's callback name without its `v2_` prefix, as Playhouse's
/// callback plugin writes it. A name this version does not know (from a newer plugin, or a
/// stored job of another version) is kept as ``unknown(_:)``, so nothing is lost.
public enum EventType: Sendable, Hashable, Codable {
    case playbookStart
    case playStart
    case taskStart
    case handlerTaskStart
    case noHostsMatched
    case noHostsRemaining
    case notify
    case include
    case stats
    case runnerStart
    case ok
    case failed
    case skipped
    case unreachable
    case itemOK
    case itemFailed
    case itemSkipped
    case retry
    case asyncOK
    case asyncFailed
    case fileDiff
    case unknown(String)

    private static let names: [(EventType, String)] = [
        (.playbookStart, "playbook_on_start"), (.playStart, "playbook_on_play_start"), (.taskStart, "playbook_on_task_start"),
        (.handlerTaskStart, "playbook_on_handler_task_start"), (.noHostsMatched, "playbook_on_no_hosts_matched"),
        (.noHostsRemaining, "playbook_on_no_hosts_remaining"), (.notify, "playbook_on_notify"), (.include, "playbook_on_include"),
        (.stats, "playbook_on_stats"), (.runnerStart, "runner_on_start"), (.ok, "runner_on_ok"), (.failed, "runner_on_failed"),
        (.skipped, "runner_on_skipped"), (.unreachable, "runner_on_unreachable"), (.itemOK, "runner_item_on_ok"),
        (.itemFailed, "runner_item_on_failed"), (.itemSkipped, "runner_item_on_skipped"), (.retry, "runner_retry"),
        (.asyncOK, "runner_on_async_ok"), (.asyncFailed, "runner_on_async_failed"), (.fileDiff, "on_file_diff"),
    ]
    private static let byName = Dictionary(uniqueKeysWithValues: names.map { ($0.1, $0.0) })
    private static let byType = Dictionary(uniqueKeysWithValues: names.map { ($0.0, $0.1) })

    /// The type of the callback name `name`.
    public init(_ name: String) {
        self = Self.byName[name] ?? .unknown(name)
    }

    /// The callback name, as stored and sent.
    public var name: String {
        if case .unknown(let name) = self { return name }
        return Self.byType[self]!
    }

    /// Every type this version knows, for clients that show them.
    public static var known: [EventType] { names.map(\.0) }

    /// What hosts made of a task: results, loop items and retries.
    public static let results: [EventType] = [
        .ok, .failed, .skipped, .unreachable, .itemOK, .itemFailed, .itemSkipped, .retry, .asyncOK, .asyncFailed,
    ]

    /// A task (or handler) began.
    public var startsTask: Bool { self == .taskStart || self == .handlerTaskStart }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
