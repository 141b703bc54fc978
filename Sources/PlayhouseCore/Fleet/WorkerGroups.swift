/// The worker groups a job may run on, or that a worker belongs to: names like team names
/// (``User/validateName(_:kind:)``). A job with none runs on any worker.
public enum WorkerGroups {
    /// The group of a worker started without `--group`, and of `serve`'s embedded workers.
    public static let defaultGroup = "default"
    /// At most this many groups in one list.
    public static let maxCount = 20

    /// Checks `names` (one field of a request or an option), dropping repeats.
    public static func validate(_ names: [String], field: String) throws(ValidationError) -> [String] {
        guard names.count <= maxCount else { throw ValidationError("\(field) takes at most \(maxCount) groups") }
        var seen: [String] = []
        for name in names where !seen.contains(name) {
            try User.validateName(name, kind: "\(field) name")
            seen.append(name)
        }
        return seen
    }

    /// How a list is stored in a column: `,a,b,` (each name between commas, which no name
    /// holds, so a claim finds `,a,` in it), or empty for none.
    public static func stored(_ names: [String]) -> String {
        names.isEmpty ? "" : "," + names.joined(separator: ",") + ","
    }

    /// The names a column holds.
    public static func names(stored: String) -> [String] {
        stored.split(separator: ",").map(String.init)
    }

    /// `group dmz`, `group dmz or dc1`: how a reason names them.
    public static func describe(_ names: [String]) -> String {
        "group " + names.joined(separator: " or ")
    }
}
