import Foundation

/// One repository under its many URLs: `https://git.example/ops/site.git`,
/// `git@git.example:ops/site.git`, `ssh://git@git.example:2222/ops/site` and
/// `https://git.example/ops/site` are the same one.
public enum GitRemote {
    /// The host (without user and port) and the path (without a trailing `/` or `.git`), in
    /// lower case: equal for every URL of one repository. Nil for what is no git URL.
    public static func identity(of url: String) -> String? {
        let host: String
        var path: String
        if !url.contains("://"), let at = url.firstIndex(of: "@"), let colon = url[at...].firstIndex(of: ":") {
            host = String(url[url.index(after: at)..<colon])
            path = String(url[url.index(after: colon)...])
        } else if let parts = URLComponents(string: url), parts.scheme != nil {
            host = parts.host ?? ""
            path = parts.path
        } else {
            return nil
        }
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix(".git") { path.removeLast(4) }
        while path.hasPrefix("/") { path.removeFirst() }
        guard !path.isEmpty else { return nil }
        return (host + "/" + path).lowercased()
    }

    /// The URL without a password someone wrote into it, for messages.
    public static func display(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "********"
        return parts.string ?? url
    }
}
