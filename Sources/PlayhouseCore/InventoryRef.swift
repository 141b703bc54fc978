/// What a launch's `inventory` names: a stored inventory by its id (the text is all
/// digits) or a path inside the project. The one place that reads the text.
public enum InventoryRef: Sendable, Equatable {
    /// A stored inventory.
    case stored(Int64)
    /// A file, folder or script, as a path inside the project.
    case path(String)

    public init(_ text: String) {
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let id = Int64(text) {
            self = .stored(id)
        } else {
            self = .path(text)
        }
    }

    /// The stored inventory's id; nil for a path.
    public var storedID: Int64? {
        if case .stored(let id) = self { return id }
        return nil
    }
}

/// Where a launch's hosts come from, resolved on disk.
public enum ResolvedInventory: Sendable, Equatable {
    /// A stored inventory.
    case stored(Inventory)
    /// A file, folder or script inside a project (absolute path).
    case file(String)
}
