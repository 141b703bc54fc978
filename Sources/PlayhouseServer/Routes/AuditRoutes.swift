import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `GET /api/v1/audit?limit=&before=`: the audit log, newest first (admins).
struct AuditRoutes: Sendable {
    let dependencies: ServerDependencies

    func add(admin: RouterGroup<PlayhouseContext>) {
        admin.get("audit", use: list)
    }

    @Sendable func list(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<AuditResponse> {
        let limit = try JobRoutes.integer(request, "limit", default: 100, range: 1...1000)
        let before = try JobRoutes.before(request, "an audit entry id")
        let entries = try await dependencies.store.users.auditLog(limit: limit, before: before)
        return ListResponse(
            key: "entries", items: entries.map(AuditResponse.init), next: .before(entries.count == limit ? entries.last?.id : nil))
    }
}
