import Foundation
import Hummingbird
import PlayhouseCore
import PlayhouseStore

/// `/api/v1/users`, `/api/v1/teams` and `/api/v1/grants`: who may sign in, with which
/// role, and what operators and viewers may reach. Admins only, but for changing one's
/// own password.
struct UserRoutes: Sendable {
    let dependencies: ServerDependencies
    /// Emptied after every change, so the change counts from the next request on.
    let identities: IdentityCache
    /// Wrong current passwords, counted per user: a stolen session cannot be used to guess
    /// the password behind it.
    let passwordGuesses = LoginThrottle()
    var store: Store { dependencies.store }

    func add(signedIn: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        signedIn.post("me/password", use: changeOwnPassword)
        admin.get("users", use: listUsers)
        admin.post("users", use: createUser)
        admin.get("users/:id", use: showUser)
        admin.put("users/:id", use: updateUser)
        admin.delete("users/:id", use: deleteUser)
        admin.get("teams", use: listTeams)
        admin.post("teams", use: createTeam)
        admin.put("teams/:id", use: updateTeam)
        admin.delete("teams/:id", use: deleteTeam)
        admin.get("grants", use: listGrants)
        admin.post("grants", use: createGrant)
        admin.delete("grants/:id", use: deleteGrant)
    }

    // MARK: Users

    @Sendable func listUsers(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<UserResponse> {
        ListResponse(key: "users", items: try await store.users().map(UserResponse.init))
    }

    @Sendable func createUser(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<UserResponse> {
        let members = try await RequestBody.object(request, allowed: ["name", "role", "password"])
        let name = try RequestBody.name(members, "name", required: true) ?? ""
        let role = try Self.role(members) ?? .viewer
        let password = try RequestBody.string(members, "password", required: true) ?? ""
        let user = try await store.createUser(name: name, role: role, password: password)
        await dependencies.audit(context, "user.create", target: "user \(name)", detail: "role \(role.rawValue)")
        return EditedResponse(status: .created, headers: [.location: "/api/v1/users/\(user.id)"], response: UserResponse(user))
    }

    @Sendable func showUser(_ request: Request, context: PlayhouseContext) async throws -> UserResponse {
        let id = try JobRoutes.id(context)
        guard let user = try await store.user(id) else { throw APIError.notFound("user \(id)") }
        return UserResponse(user)
    }

    @Sendable func updateUser(_ request: Request, context: PlayhouseContext) async throws -> UserResponse {
        let id = try JobRoutes.id(context)
        let members = try await RequestBody.object(request, allowed: ["role", "password"])
        let role = try Self.role(members)
        let password = try RequestBody.string(members, "password")
        // A new password or a lower role also ends the user's sessions and tokens.
        guard let user = try await store.updateUser(id, role: role, password: password) else { throw APIError.notFound("user \(id)") }
        let changes = [role.map { "role \($0.rawValue)" }, password.map { _ in "password" }].compactMap { $0 }
        identities.clear()
        await dependencies.audit(context, "user.update", target: "user \(user.name)", detail: changes.joined(separator: ", "))
        return UserResponse(user)
    }

    @Sendable func deleteUser(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let user = try await store.user(id), try await store.deleteUser(id) else { throw APIError.notFound("user \(id)") }
        identities.clear()
        await dependencies.audit(context, "user.delete", target: "user \(user.name)")
        return Response(status: .noContent)
    }

    /// `{"current_password", "new_password"}`: any signed-in user, for themselves. Ends all
    /// their sessions and tokens, the one sending it too.
    @Sendable func changeOwnPassword(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let user = try context.requireUser().user
        let members = try await RequestBody.object(request, allowed: ["current_password", "new_password"])
        let current = try RequestBody.string(members, "current_password", required: true) ?? ""
        let new = try RequestBody.string(members, "new_password", required: true) ?? ""
        try User.validatePassword(new)
        let attempt: LoginThrottle.Attempt
        do {
            attempt = try passwordGuesses.admit(name: "user \(user.id)", address: nil)
        } catch {
            await dependencies.audit(context, "user.password.throttled", target: "user \(user.name)")
            throw APIError(.tooManyRequests, "too many wrong passwords", detail: error.advice)
        }
        let matches = try await passwordGuesses.check(attempt) { try await store.authenticate(name: user.name, password: current) != nil }
        guard matches else {
            await dependencies.audit(context, "user.password.failed", target: "user \(user.name)")
            throw APIError(.forbidden, "the current password is wrong")
        }
        passwordGuesses.succeeded(attempt)
        _ = try await store.updateUser(user.id, role: nil, password: new)
        identities.clear()
        await dependencies.audit(context, "user.password", target: "user \(user.name)")
        return Response(status: .noContent)
    }

    static func role(_ members: [String: JSONValue]) throws -> Role? {
        guard let text = try RequestBody.string(members, "role") else { return nil }
        guard let role = Role(rawValue: text) else {
            throw APIError(.badRequest, "role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))", detail: "got \"\(text)\"")
        }
        return role
    }

    // MARK: Teams

    @Sendable func listTeams(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<TeamResponse> {
        ListResponse(key: "teams", items: try await store.teams().map(TeamResponse.init))
    }

    @Sendable func createTeam(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<TeamResponse> {
        let members = try await RequestBody.object(request, allowed: ["name", "members"])
        let name = try RequestBody.name(members, "name", required: true) ?? ""
        let users = try RequestBody.nameList(members, "members")
        // A member who does not exist leaves no team behind either.
        let team = try await store.withTransaction { store in
            let team = try await store.createTeam(name: name)
            guard let users else { return team }
            return try await store.setTeamMembers(team.id, users: users) ?? team
        }
        identities.clear()
        await dependencies.audit(context, "team.create", target: "team \(name)", detail: "members \(team.members.joined(separator: ", "))")
        return EditedResponse(status: .created, headers: [.location: "/api/v1/teams/\(team.id)"], response: TeamResponse(team))
    }

    /// `{"members": [user names]}` replaces the members.
    @Sendable func updateTeam(_ request: Request, context: PlayhouseContext) async throws -> TeamResponse {
        let id = try JobRoutes.id(context)
        let members = try await RequestBody.object(request, allowed: ["members"])
        let users = try RequestBody.nameList(members, "members") ?? []
        guard let team = try await store.setTeamMembers(id, users: users) else {
            throw APIError.notFound("team \(id)")
        }
        identities.clear()
        await dependencies.audit(context, "team.update", target: "team \(team.name)", detail: "members \(team.members.joined(separator: ", "))")
        return TeamResponse(team)
    }

    @Sendable func deleteTeam(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let team = try await store.team(id), try await store.deleteTeam(id) else { throw APIError.notFound("team \(id)") }
        identities.clear()
        await dependencies.audit(context, "team.delete", target: "team \(team.name)")
        return Response(status: .noContent)
    }

    // MARK: Grants

    @Sendable func listGrants(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<GrantResponse> {
        ListResponse(key: "grants", items: try await store.grants().map(GrantResponse.init))
    }

    /// `{"subject_kind": "user"|"team", "subject": NAME, "resource_kind": "project"|"inventory"|"credential", "resource": NAME|ID|"*"}`
    @Sendable func createGrant(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<GrantResponse> {
        let members = try await RequestBody.object(request, allowed: ["subject_kind", "subject", "resource_kind", "resource"])
        let subjectText = try RequestBody.string(members, "subject_kind", required: true) ?? ""
        guard let subjectKind = Grant.SubjectKind(rawValue: subjectText) else {
            throw APIError(.badRequest, "subject_kind must be user or team", detail: "got \"\(subjectText)\"")
        }
        let resourceText = try RequestBody.string(members, "resource_kind", required: true) ?? ""
        guard let resourceKind = Grant.ResourceKind(rawValue: resourceText) else {
            throw APIError(
                .badRequest, "resource_kind must be one of \(Grant.ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))",
                detail: "got \"\(resourceText)\"")
        }
        let subject = try RequestBody.name(members, "subject", required: true) ?? ""
        let resource = try RequestBody.name(members, "resource", required: true) ?? ""
        let grant = try await store.createGrant(subjectKind: subjectKind, subject: subject, resourceKind: resourceKind, resource: resource)
        identities.clear()
        await dependencies.audit(context, "grant.create", target: "\(subjectKind.rawValue) \(subject)", detail: "\(resourceKind.rawValue) \(resource)")
        return EditedResponse(status: .created, headers: [.location: "/api/v1/grants/\(grant.id)"], response: GrantResponse(grant))
    }

    @Sendable func deleteGrant(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let grant = try await store.grants().first(where: { $0.id == id }), try await store.deleteGrant(id) else {
            throw APIError.notFound("grant \(id)")
        }
        identities.clear()
        await dependencies.audit(
            context, "grant.delete", target: "\(grant.subjectKind.rawValue) \(grant.subject)",
            detail: "\(grant.resourceKind.rawValue) \(grant.resource)")
        return Response(status: .noContent)
    }
}
