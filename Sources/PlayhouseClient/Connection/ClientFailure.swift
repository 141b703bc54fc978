/// Why a client command could not do what it was asked, in words a person can act on:
/// what happened, and what to do.
struct ClientFailure: Error, CustomStringConvertible {
    var message: String
    var detail: String
    /// The HTTP status that answered, when the server refused.
    var status: Int?

    init(_ message: String, detail: String = "", status: Int? = nil) {
        self.message = message
        self.detail = detail
        self.status = status
    }

    var description: String { detail.isEmpty ? message : "\(message): \(detail)" }
}
