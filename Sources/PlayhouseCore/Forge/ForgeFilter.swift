/// Which pushes a forge hook launches for: branch patterns for pushes to a branch, tag
/// patterns for pushed tags. A branch push is held to ``branches`` only and a tag push to
/// ``tags`` only, so the two lists are also the hook's choice of events: leave `tags` empty
/// and no tag launches anything.
///
/// A pattern is a glob over the short name (`main`, not `refs/heads/main`): `*` matches
/// any run of characters but `/`, `**` any run including `/`, `?` one character but `/`;
/// every other character stands for itself. So `release/*` takes `release/1.2` but not
/// `release/1.2/hotfix`, `release/**` takes both, and `v*` takes `v1.2.3`.
public struct ForgeFilter: Sendable, Codable, Equatable {
    public var branches: [String]
    public var tags: [String]

    /// The most patterns in each list.
    public static let maxPatterns = 50
    /// The longest pattern.
    public static let maxPatternBytes = 255

    public init(branches: [String] = [], tags: [String] = []) {
        self.branches = branches
        self.tags = tags
    }

    /// Refuses a filter that could never launch anything, and patterns no ref could have.
    public func validate() throws(ValidationError) {
        guard !branches.isEmpty || !tags.isEmpty else {
            throw ValidationError("give branches or tags (or both): patterns like \"main\", \"release/*\" or \"v*\"")
        }
        for (field, patterns) in [("branches", branches), ("tags", tags)] {
            guard patterns.count <= Self.maxPatterns else { throw ValidationError("\(field) takes at most \(Self.maxPatterns) patterns") }
            for pattern in patterns {
                guard !pattern.isEmpty, pattern.utf8.count <= Self.maxPatternBytes,
                    pattern.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value != 127 }), !pattern.hasPrefix("refs/")
                else {
                    throw ValidationError(
                        "\(field) has the pattern \"\(pattern.prefix(100))\": a pattern is 1 to \(Self.maxPatternBytes) bytes "
                            + "without spaces, over the short name (main, not refs/heads/main)")
                }
            }
        }
    }

    /// The pattern of this filter that `ref` matches, or nil when none does.
    public func match(_ ref: GitRef) -> String? {
        switch ref {
        case .branch(let name): branches.first { Self.glob($0, matches: name) }
        case .tag(let name): tags.first { Self.glob($0, matches: name) }
        case .other: nil
        }
    }

    /// Whether `name` matches `pattern` as the type's documentation says.
    public static func glob(_ pattern: String, matches name: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let name = Array(name.unicodeScalars)
        // matched[j]: the pattern so far matches name[..<j]; one row per pattern element.
        var matched = [Bool](repeating: false, count: name.count + 1)
        matched[0] = true
        var index = 0
        while index < pattern.count {
            var next = [Bool](repeating: false, count: name.count + 1)
            switch pattern[index] {
            case "*":
                let crossesSlash = index + 1 < pattern.count && pattern[index + 1] == "*"
                if crossesSlash { index += 1 }
                for position in 0...name.count {
                    if matched[position] {
                        next[position] = true
                    } else if position > 0, next[position - 1], crossesSlash || name[position - 1] != "/" {
                        next[position] = true
                    }
                }
            case "?":
                for position in stride(from: 1, through: name.count, by: 1) {
                    next[position] = matched[position - 1] && name[position - 1] != "/"
                }
            case let literal:
                for position in stride(from: 1, through: name.count, by: 1) {
                    next[position] = matched[position - 1] && name[position - 1] == literal
                }
            }
            matched = next
            index += 1
        }
        return matched[name.count]
    }
}

/// What a push updated, by its full name (`refs/heads/main`, `refs/tags/v1`).
public enum GitRef: Sendable, Equatable, CustomStringConvertible {
    case branch(String)
    case tag(String)
    /// Any other ref (`refs/merge-requests/…`, `refs/notes/…`): never launches.
    case other(String)

    public init(_ full: String) {
        if full.hasPrefix("refs/heads/") {
            self = .branch(String(full.dropFirst("refs/heads/".count)))
        } else if full.hasPrefix("refs/tags/") {
            self = .tag(String(full.dropFirst("refs/tags/".count)))
        } else {
            self = .other(full)
        }
    }

    public var description: String {
        switch self {
        case .branch(let name): "branch \(name)"
        case .tag(let name): "tag \(name)"
        case .other(let full): "ref \(full)"
        }
    }
}
