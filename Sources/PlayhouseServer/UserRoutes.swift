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
        ListResponse(key: "users", items: try await store.users.list().map(UserResponse.init))
    }

    @Sendable func createUser(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<UserResponse> {
        let body = try await request.decode(as: UserRequest.self, context: context)
        let (name, role, password) = (body.name, body.role, body.password)
        let user = try await store.users.create(name: name, role: role, password: password)
        await dependencies.audit(context, .userCreate, target: "user \(name)", detail: "role \(role.rawValue)")
        return EditedResponse(status: .created, headers: [.location: "/api/v1/users/\(user.id)"], response: UserResponse(user))
    }

    @Sendable func showUser(_ request: Request, context: PlayhouseContext) async throws -> UserResponse {
        let id = try JobRoutes.id(context)
        guard let user = try await store.users.find(id) else { throw APIError.notFound("user \(id)") }
        return UserResponse(user)
    }

    @Sendable func updateUser(_ request: Request, context: PlayhouseContext) async throws -> UserResponse {
        let id = try JobRoutes.id(context)
        let body = try await request.decode(as: UserUpdate.self, context: context)
        let (role, password) = (body.role, body.password)
        // A new password or a lower role also ends the user's sessions and tokens.
        guard let user = try await store.users.update(id, role: role, password: password) else { throw APIError.notFound("user \(id)") }
        let changes = [role.map { "role \($0.rawValue)" }, password.map { _ in "password" }].compactMap { $0 }
        identities.clear()
        await dependencies.audit(context, .userUpdate, target: "user \(user.name)", detail: changes.joined(separator: ", "))
        return UserResponse(user)
    }

    @Sendable func deleteUser(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let user = try await store.users.find(id), try await store.users.delete(id) else { throw APIError.notFound("user \(id)") }
        identities.clear()
        await dependencies.audit(context, .userDelete, target: "user \(user.name)")
        return Response(status: .noContent)
    }

    /// `{"current_password", "new_password"}`: any signed-in user, for themselves. Ends all
    /// their sessions and tokens, the one sending it too.
    @Sendable func changeOwnPassword(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let user = try context.requireUser().user
        let body = try await request.decode(as: PasswordChange.self, context: context)
        let (current, new) = (body.current, body.new)
        try User.validatePassword(new)
        let attempt: LoginThrottle.Attempt
        do {
            attempt = try passwordGuesses.admit(name: "user \(user.id)", address: nil)
        } catch {
            await dependencies.audit(context, .userPasswordThrottled, target: "user \(user.name)")
            throw APIError(.tooManyRequests, "too many wrong passwords", detail: error.advice)
        }
        let matches = try await passwordGuesses.check(attempt) {
            try await store.users.authenticate(name: user.name, password: current) != nil
        }
        guard matches else {
            await dependencies.audit(context, .userPasswordFailed, target: "user \(user.name)")
            throw APIError(.forbidden, "the current password is wrong")
        }
        passwordGuesses.succeeded(attempt)
        _ = try await store.users.update(user.id, role: nil, password: new)
        identities.clear()
        await dependencies.audit(context, .userPassword, target: "user \(user.name)")
        return Response(status: .noContent)
    }

    // MARK: Teams

    @Sendable func listTeams(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<TeamResponse> {
        ListResponse(key: "teams", items: try await store.users.teams().map(TeamResponse.init))
    }

    @Sendable func createTeam(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<TeamResponse> {
        let body = try await request.decode(as: TeamRequest.self, context: context)
        let (name, users) = (body.name, body.members)
        // A member who does not exist leaves no team behind either.
        let team = try await store.withTransaction { store in
            let team = try await store.users.createTeam(name: name)
            guard let users else { return team }
            return try await store.users.setTeamMembers(team.id, users: users) ?? team
        }
        identities.clear()
        await dependencies.audit(context, .teamCreate, target: "team \(name)", detail: "members \(team.members.joined(separator: ", "))")
        return EditedResponse(status: .created, headers: [.location: "/api/v1/teams/\(team.id)"], response: TeamResponse(team))
    }

    /// `{"members": [user names]}` replaces the members.
    @Sendable func updateTeam(_ request: Request, context: PlayhouseContext) async throws -> TeamResponse {
        let id = try JobRoutes.id(context)
        let users = try await request.decode(as: TeamUpdate.self, context: context).members
        guard let team = try await store.users.setTeamMembers(id, users: users) else {
            throw APIError.notFound("team \(id)")
        }
        identities.clear()
        await dependencies.audit(context, .teamUpdate, target: "team \(team.name)", detail: "members \(team.members.joined(separator: ", "))")
        return TeamResponse(team)
    }

    @Sendable func deleteTeam(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let team = try await store.users.team(id), try await store.users.deleteTeam(id) else { throw APIError.notFound("team \(id)") }
        identities.clear()
        await dependencies.audit(context, .teamDelete, target: "team \(team.name)")
        return Response(status: .noContent)
    }

    // MARK: Grants

    @Sendable func listGrants(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<GrantResponse> {
        ListResponse(key: "grants", items: try await store.users.grants().map(GrantResponse.init))
    }

    /// `{"subject_kind": "user"|"team", "subject": NAME, "resource_kind": "project"|"inventory"|"credential", "resource": NAME|ID|"*"}`
    @Sendable func createGrant(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<GrantResponse> {
        let body = try await request.decode(as: GrantRequest.self, context: context)
        let (subjectKind, subject, resourceKind, resource) = (body.subjectKind, body.subject, body.resourceKind, body.resource)
        let grant = try await store.users.createGrant(subjectKind: subjectKind, subject: subject, resourceKind: resourceKind,
            resource: resource)
        identities.clear()
        await dependencies.audit(context, .grantCreate, target: "\(subjectKind.rawValue) \(subject)", detail: "\(resourceKind.rawValue) \(resource)")
        return EditedResponse(status: .created, headers: [.location: "/api/v1/grants/\(grant.id)"], response: GrantResponse(grant))
    }

    @Sendable func deleteGrant(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let grant = try await store.users.grants().first(where: { $0.id == id }), try await store.users.deleteGrant(id) else {
            throw APIError.notFound("grant \(id)")
        }
        identities.clear()
        await dependencies.audit(
            context, .grantDelete, target: "\(grant.subjectKind.rawValue) \(grant.subject)",
            detail: "\(grant.resourceKind.rawValue) \(grant.resource)")
        return Response(status: .noContent)
    }
}
