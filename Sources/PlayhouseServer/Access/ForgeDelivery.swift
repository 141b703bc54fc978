import Hummingbird
import NIOCore
import PlayhouseCore
import PlayhouseStore

/// A forge's delivery to one of its hooks, read once its signature is checked: what a
/// template's forge hook (which launches) and a git project's (which refreshes) share.
struct ForgeDelivery {
    /// What a delivery with the right signature brings.
    enum Content {
        /// GitHub's `ping`, sent when the hook is made: it only proves the secret.
        case ping
        /// A push of a branch or a tag.
        case push(ForgePush)
        /// Any other event, and why it does nothing.
        case other(reason: String)
    }

    /// The event the forge named, if any.
    var event: String?
    var content: Content

    /// Reads a delivery to `hook` (nil when there is no such hook), checking its signature
    /// with the hook's secret. An unknown hook and a bad signature get the same 401, and are
    /// written to the audit log as a refusal of `target`.
    ///
    /// - Returns: The hook, found, and what the delivery brings.
    /// - Throws: ``APIError`` 401 as above; 400 for a push that is no JSON object or lacks
    ///   its ref.
    static func read<Hook>(
        _ forge: Forge, _ request: Request, context: PlayhouseContext, dependencies: ServerDependencies, target: String, hook: Hook?,
        sealedSecret: (Hook) -> String
    ) async throws -> (hook: Hook, delivery: ForgeDelivery) {
        let body = try await request.body.collect(upTo: ServerConfiguration.maxBodyBytes)
        guard let hook, forge.verifies(request.headers, body: body, secret: try dependencies.secrets.open(sealedSecret(hook))) else {
            await dependencies.audit(context, .hookRefused, target: target, detail: "\(forge.rawValue) hook", actor: "webhook")
            throw APIError(.unauthorized, "unknown hook or bad signature", detail: forge.howToSign)
        }
        guard let event = forge.event(in: request.headers) else {
            return (hook, ForgeDelivery(event: nil, content: .other(reason: "the delivery names no event (\(forge.eventHeaders))")))
        }
        if forge == .github, event == "ping" { return (hook, ForgeDelivery(event: event, content: .ping)) }
        guard let json = JSONValue.parse(bytes: body.readableBytesView), case .object = json else {
            throw APIError(
                .badRequest, "the delivery is not a JSON object",
                detail: "set the hook's content type to application/json (GitHub's default is form-encoded)")
        }
        guard forge.isPush(event: event, body: json) else {
            return (
                hook,
                ForgeDelivery(
                    event: event, content: .other(reason: "\(event) is not a push event: the hook acts on pushes of branches and tags"))
            )
        }
        return (hook, ForgeDelivery(event: event, content: .push(try forge == .github ? ForgePush.github(json) : ForgePush.gitlab(json))))
    }

    /// The 202 answer to a delivery that does nothing, saying why.
    func ignore(_ reason: String, _ request: Request, _ context: PlayhouseContext) throws -> Response {
        try EditedResponse(status: .accepted, response: ForgeHookIgnored(ignored: reason, event: event)).response(
            from: request, context: context)
    }
}
