public import Foundation

/// What a user may do. Each role can do everything the ones before it can.
public enum Role: String, Sendable, CaseIterable, Comparable, Codable {
    /// Reads jobs, their events and output, inventories, projects and workers.
    case viewer
    /// Also launches, cancels and relaunches jobs.
    case `operator`
    /// Everything: users, teams, grants, tokens, credentials, inventories, the audit log.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// This role and every role below it.
    public var included: Set<Role> { Set(Role.allCases.filter { $0 <= self }) }
}

/// A person (or a robot) who signs in.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var role: Role
    /// The teams the user belongs to, by name.
    public var teams: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, name: String, role: Role, teams: [String] = [], createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.role = role
        self.teams = teams
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// User and team names: 1 to 64 letters, digits, `.`, `_`, `-` and `@`, not starting with `-`.
    public static func validateName(_ name: String, kind: String = "name") throws(ValidationError) {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-@".unicodeScalars.contains($0)
        }
        guard allowed, (1...64).contains(name.count), !name.hasPrefix("-") else {
            throw ValidationError("\(kind) must be 1 to 64 letters, digits, . _ - or @ (not starting with -), got \"\(name)\"")
        }
    }

    /// At least 8 characters, at most 72 bytes (what bcrypt reads).
    public static func validatePassword(_ password: String) throws(ValidationError) {
        guard password.count >= 8 else { throw ValidationError("the password must have at least 8 characters") }
        guard password.utf8.count <= 72 else { throw ValidationError("the password must be at most 72 bytes long") }
    }
}

/// An API token as it is listed: never the token itself, which is shown once, at creation.
public struct APIToken: Sendable, Equatable {
    public var id: Int64
    public var user: String
    public var name: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var lastUsedAt: Date?

    public init(id: Int64, user: String, name: String, createdAt: Date, expiresAt: Date?, lastUsedAt: Date?) {
        self.id = id
        self.user = user
        self.name = name
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }
}

extension APIToken {
    /// When a token given `--expires TEXT` ends: `30d`, `12h` from `now`, or a date
    /// (`2026-12-31`, the end of that day in UTC).
    public static func expiry(_ text: String, now: Date = Date()) throws(ValidationError) -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let unit = trimmed.last, "dh".contains(unit), let count = Int(trimmed.dropLast()), (1...3650 * 24).contains(count) {
            return now.addingTimeInterval(Double(count) * (unit == "d" ? 86_400 : 3_600))
        }
        let parts = trimmed.split(separator: "-").compactMap { Int($0) }
        if parts.count == 3, trimmed.count == 10,
            let day = DateComponents(
                calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"),
                year: parts[0], month: parts[1], day: parts[2]
            ).date,
            day.addingTimeInterval(86_400) > now
        {
            return day.addingTimeInterval(86_400)
        }
        throw ValidationError("expires must be a number of days (30d), of hours (12h), or a future date (2026-12-31), got \"\(text)\"")
    }
}
