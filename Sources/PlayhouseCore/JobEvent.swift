/// One event of a run, as Playhouse's Ansible callback reported it.
///
/// `type` is Ansible's callback name without the `v2_` prefix (`playbook_on_task_start`,
/// `runner_on_ok`, …); `seq` numbers a job's events from 1 without gaps.
public struct JobEvent: Sendable, Codable, Equatable {
    public var seq: Int
    public var type: String
    /// Seconds since 1970, taken by the callback when Ansible reported the event.
    public var time: Double
    public var play: String?
    public var task: String?
    public var host: String?
    public var changed: Bool?
    public var failed: Bool?
    public var message: String?
    public var data: JSONValue?

    public init(
        seq: Int, type: String, time: Double, play: String? = nil, task: String? = nil,
        host: String? = nil, changed: Bool? = nil, failed: Bool? = nil, message: String? = nil,
        data: JSONValue? = nil
    ) {
        self.seq = seq
        self.type = type
        self.time = time
        self.play = play
        self.task = task
        self.host = host
        self.changed = changed
        self.failed = failed
        self.message = message
        self.data = data
    }
}

/// An event as the callback writes it: the same fields, without a sequence number yet.
public struct CallbackEvent: Sendable, Equatable {
    public var type: String
    public var time: Double
    public var play: String?
    public var task: String?
    public var host: String?
    public var changed: Bool?
    public var failed: Bool?
    public var message: String?
    public var data: JSONValue?

    /// The event of one line the callback wrote; nil when the line is not one.
    public init?(line: some Collection<UInt8>) {
        guard case .object(let fields)? = JSONValue.parse(bytes: line),
              case .string(let type)? = fields["type"], case .number(let time)? = fields["time"] else { return nil }
        func string(_ key: String) -> String? {
            if case .string(let value)? = fields[key] { return value }
            return nil
        }
        func flag(_ key: String) -> Bool? {
            if case .bool(let value)? = fields[key] { return value }
            return nil
        }
        self.type = type
        self.time = time
        play = string("play")
        task = string("task")
        host = string("host")
        changed = flag("changed")
        failed = flag("failed")
        message = string("message")
        data = fields["data"].flatMap { $0 == .null ? nil : $0 }
    }

    /// Gives the event its place in the job.
    public func numbered(_ seq: Int) -> JobEvent {
        JobEvent(
            seq: seq, type: type, time: time, play: play, task: task, host: host,
            changed: changed, failed: failed, message: message, data: data)
    }
}
