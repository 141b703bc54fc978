import Hummingbird
import Logging
import PlayhouseCore
import PlayhouseStore

extension ServerDependencies {
    /// Writes what the signed-in user just did to the audit log. A failure to write is
    /// logged, not returned: the action itself has already happened.
    func audit(_ context: PlayhouseContext, _ action: AuditAction, target: String? = nil, detail: String? = nil, actor: String? = nil) async
    {
        let entry = AuditEntry(
            actor: actor ?? context.identity?.user.name, action: action, target: target,
            source: context.remoteAddress, detail: detail)
        await audit(entry, logger: context.logger)
    }

    /// Writes what `identity` did through a launch of `origin` (a request, a webhook, the
    /// scheduler): the launch service and the workflow service write their entries so.
    func audit(_ identity: Identity, _ origin: LaunchService.Origin, _ action: AuditAction, target: String, detail: String) async {
        await audit(
            AuditEntry(actor: identity.user.name, action: action, target: target, source: origin.source, detail: detail),
            logger: origin.logger)
    }

    /// Writes an entry made outside a request (the scheduler).
    func audit(_ entry: AuditEntry, logger: Logger) async {
        do {
            try await store.users.recordAudit(entry)
        } catch {
            logger.error("could not write to the audit log: \(error)", metadata: ["action": .string(entry.action.rawValue)])
        }
    }
}
