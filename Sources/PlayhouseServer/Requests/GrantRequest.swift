import PlayhouseCore

/// `{"subject_kind": "user"|"team", "subject": NAME, "resource_kind": "project"|"inventory"|"credential",
/// "resource": NAME|ID|"*"}`: a grant to make.
struct GrantRequest: Decodable {
    var subjectKind: Grant.SubjectKind
    var resourceKind: Grant.ResourceKind
    var subject: String
    var resource: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case subject, resource
        case subjectKind = "subject_kind"
        case resourceKind = "resource_kind"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subjectKind = try container.decodeChoice(Grant.SubjectKind.self, forKey: .subjectKind, expected: "user or team")
        resourceKind = try container.decodeChoice(Grant.ResourceKind.self, forKey: .resourceKind, expected: Grant.ResourceKind.oneOf)
        subject = try container.decode(BoundedName.self, forKey: .subject).text
        resource = try container.decode(BoundedName.self, forKey: .resource).text
    }
}
