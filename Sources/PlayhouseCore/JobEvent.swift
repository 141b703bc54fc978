/// One event of a run, as Playhouse's Ansible callback reported it.
///
/// `type` says what the event reports (``EventType``); `seq` numbers a job's events from 1
/// without gaps.
public struct JobEvent: Sendable, Codable, Equatable {
    public var seq: Int
    public var type: EventType
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
        seq: Int, type: EventType, time: Double, play: String? = nil, task: String? = nil,
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

extension JobEvent {
    /// The event of one line the callback wrote, numbered 0 until the run gives it its
    /// place (``seq``); nil when the line is not one.
    public init?(callbackLine line: some Collection<UInt8>) {
        guard case .object(let fields)? = JSONValue.parse(bytes: line),
            case .string(let type)? = fields["type"], case .number(let time)? = fields["time"]
        else { return nil }
        func string(_ key: String) -> String? {
            if case .string(let value)? = fields[key] { return value }
            return nil
        }
        func flag(_ key: String) -> Bool? {
            if case .bool(let value)? = fields[key] { return value }
            return nil
        }
        self.init(
            seq: 0, type: EventType(type), time: time, play: string("play"), task: string("task"), host: string("host"),
            changed: flag("changed"), failed: flag("failed"), message: string("message"),
            data: fields["data"].flatMap { $0 == .null ? nil : $0 })
    }
}
