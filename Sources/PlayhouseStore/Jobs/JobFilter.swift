public import Foundation
public import PlayhouseCore

/// Which jobs a listing keeps; every field set narrows it.
public struct JobFilter: Sendable, Equatable {
    public var status: JobStatus?
    public var project: String?
    public var playbook: String?
    public var templateID: Int64?
    public var launchedBy: String?
    /// Jobs that ran on this host.
    public var host: String?
    /// Created at or after.
    public var createdAfter: Date?
    /// Created before.
    public var createdBefore: Date?
    /// Words the job's task names, hosts or failure messages hold (each word a prefix).
    public var text: String?
    /// The projects the reader may see; nil for all.
    public var projects: Set<String>?

    public init() {}

    /// The words of ``text`` a search uses: letters and digits, lowercased, at most eight.
    public var words: [String] {
        guard let text else { return [] }
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map { String($0.prefix(64)) }
        return Array(words.prefix(8))
    }
}
