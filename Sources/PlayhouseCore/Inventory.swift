public import Foundation

/// A stored inventory: static text (INI or YAML) or an executable script.
public struct Inventory: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// INI or YAML text.
        case `static`
        /// An executable script with its `#!` line, run with `--list`.
        case script
        /// A URL answering Ansible's inventory JSON (what a script prints for `--list`).
        case http
    }

    public var id: Int64
    public var name: String
    public var kind: Kind
    /// The text, the script, or the URL.
    public var content: String
    /// For `http`: a `token` or `password` credential for the request's auth header.
    public var credentialID: Int64?
    /// For `http`: seconds to wait for the answer.
    public var timeout: Double?
    /// The worker groups its jobs run on, unless their template names some; none: their project's.
    public var workerGroups: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, name: String, kind: Kind, content: String, credentialID: Int64? = nil, timeout: Double? = nil,
        workerGroups: [String] = [], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.content = content
        self.credentialID = credentialID
        self.timeout = timeout
        self.workerGroups = workerGroups
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
