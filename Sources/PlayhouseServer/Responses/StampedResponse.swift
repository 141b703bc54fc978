import Foundation
import Hummingbird
import PlayhouseCore

/// A stored record that an admin edits: it has an id and a name, and keeps when it was made
/// and last changed.
protocol EditedRecord {
    var id: Int64 { get }
    var name: String { get }
    var createdAt: Date { get }
    var updatedAt: Date { get }
}

extension User: EditedRecord {}
extension Credential: EditedRecord {}
extension Inventory: EditedRecord {}
extension JobTemplate: EditedRecord {}

/// The answer for an edited record: the keys every such record has (`id`, `name`,
/// `created_at` and `updated_at`), written here once, and the record's own keys.
struct StampedResponse<Fields: Encodable & Sendable>: ResponseEncodable, Sendable {
    var fields: Fields
    var id: Int64
    var name: String
    var createdAt: Date
    var updatedAt: Date

    init(_ fields: Fields, of record: some EditedRecord) {
        self.fields = fields
        id = record.id
        name = record.name
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }

    private enum CodingKeys: String, CodingKey {
        case id, name
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// The shared keys and the record's own in one JSON object.
    func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(Timestamp.format(createdAt), forKey: .createdAt)
        try container.encode(Timestamp.format(updatedAt), forKey: .updatedAt)
    }
}
