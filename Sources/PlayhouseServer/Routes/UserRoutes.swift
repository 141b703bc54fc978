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
    /// the password behind it. Shared with turning two-factor sign-in off.
    let passwordGuesses: LoginThrottle
    var store: Store { dependencies.store }

    func add(signedIn: RouterGroup<PlayhouseContext>, admin: RouterGroup<PlayhouseContext>) {
        signedIn.post("me/password", use: changeOwnPassword)
        admin.collection(
            "users", list: .init(listUsers), create: .init(createUser), show: .init(showUser), update: .init(updateUser),
            delete: .init(deleteUser))
        admin.post("users/:id/revoke", use: revokeUser)
        admin.delete("users/:id/totp", use: resetSecondFactor)
        admin.collection("teams", list: .init(listTeams), create: .init(createTeam), update: .init(updateTeam), delete: .init(deleteTeam))
        admin.collection("grants", list: .init(listGrants), create: .init(createGrant), delete: .init(deleteGrant))
    }

    // MARK: Users

    @Sendable func listUsers(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<UserResponse> {
        RecordKind.user.list(try await store.users.list().map(UserResponse.init))
    }

    @Sendable func createUser(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<UserResponse> {
        let body = try await request.decode(as: UserRequest.self, context: context)
        let (name, role, password) = (body.name, body.role, body.password)
        let user = try await store.users.create(name: name, role: role, password: password)
        await dependencies.audit(context, .userCreate, target: "user \(name)", detail: "role \(role.rawValue)")
        return RecordKind.user.created(UserResponse(user), id: user.id)
    }

    @Sendable func showUser(_ request: Request, context: PlayhouseContext) async throws -> UserResponse {
        let id = try JobRoutes.id(context)
        return UserResponse(try RecordKind.user.found(try await store.users.find(id), id))
    }

    @Sendable func updateUser(_ request: Request, context: PlayhouseContext) async throws -> UserResponse {
        let id = try JobRoutes.id(context)
        let body = try await request.decode(as: UserUpdate.self, context: context)
        let (role, password) = (body.role, body.password)
        // A new password or a lower role also ends the user's sessions and tokens.
        let user = try RecordKind.user.found(try await store.users.update(id, role: role, password: password), id)
        let changes = [role.map { "role \($0.rawValue)" }, password.map { _ in "password" }].compactMap { $0 }
        await changedAccess(context, .userUpdate, target: "user \(user.name)", detail: changes.joined(separator: ", "))
        return UserResponse(user)
    }

    @Sendable func deleteUser(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let user = try await store.users.find(id), try await store.users.delete(id) else { throw RecordKind.user.notFound(id) }
        await changedAccess(context, .userDelete, target: "user \(user.name)")
        return Response(status: .noContent)
    }

    /// Ends every session and deletes every API token of the user at once (a departing or
    /// compromised account); they may sign in again unless also removed or refused.
    @Sendable func revokeUser(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        let user = try RecordKind.user.found(try await store.users.find(id), id)
        try await store.users.revokeAccess(userID: user.id)
        await changedAccess(context, .userRevoke, target: "user \(user.name)", detail: "sessions ended, API tokens deleted")
        return Response(status: .noContent)
    }

    /// Removes a locked-out user's TOTP and recovery codes (what `playhouse users reset-2fa`
    /// does): they sign in with their password alone and set it up again. 404 when they
    /// have none.
    @Sendable func resetSecondFactor(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        let user = try RecordKind.user.found(try await store.users.find(id), id)
        guard try await store.users.removeTOTP(userID: user.id) else {
            throw APIError(.notFound, "\(user.name) has no two-factor sign-in", detail: "nothing to reset")
        }
        await changedAccess(context, .userTOTPReset, target: "user \(user.name)", detail: "TOTP and recovery codes removed")
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
        await changedAccess(context, .userPassword, target: "user \(user.name)")
        return Response(status: .noContent)
    }

    // MARK: Teams

    @Sendable func listTeams(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<TeamResponse> {
        RecordKind.team.list(try await store.users.teams().map(TeamResponse.init))
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
        await changedAccess(context, .teamCreate, target: "team \(name)", detail: Self.members(of: team))
        return RecordKind.team.created(TeamResponse(team), id: team.id)
    }

    /// `{"members": [user names]}` replaces the members.
    @Sendable func updateTeam(_ request: Request, context: PlayhouseContext) async throws -> TeamResponse {
        let id = try JobRoutes.id(context)
        let users = try await request.decode(as: TeamUpdate.self, context: context).members
        let team = try RecordKind.team.found(try await store.users.setTeamMembers(id, users: users), id)
        await changedAccess(
            context, .teamUpdate, target: "team \(team.name)", detail: Self.members(of: team))
        return TeamResponse(team)
    }

    @Sendable func deleteTeam(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let team = try await store.users.team(id), try await store.users.deleteTeam(id) else { throw RecordKind.team.notFound(id) }
        await changedAccess(context, .teamDelete, target: "team \(team.name)")
        return Response(status: .noContent)
    }

    // MARK: Grants

    @Sendable func listGrants(_ request: Request, context: PlayhouseContext) async throws -> ListResponse<GrantResponse> {
        RecordKind.grant.list(try await store.users.grants().map(GrantResponse.init))
    }

    /// `{"subject_kind": "user"|"team", "subject": NAME, "resource_kind": "project"|"inventory"|"credential", "resource": NAME|ID|"*"}`
    @Sendable func createGrant(_ request: Request, context: PlayhouseContext) async throws -> EditedResponse<GrantResponse> {
        let body = try await request.decode(as: GrantRequest.self, context: context)
        let (subjectKind, subject, resourceKind, resource) = (body.subjectKind, body.subject, body.resourceKind, body.resource)
        let grant = try await store.users.createGrant(
            subjectKind: subjectKind, subject: subject, resourceKind: resourceKind,
            resource: resource)
        await changedAccess(
            context, .grantCreate, target: "\(subjectKind.rawValue) \(subject)", detail: "\(resourceKind.rawValue) \(resource)")
        return RecordKind.grant.created(GrantResponse(grant), id: grant.id)
    }

    @Sendable func deleteGrant(_ request: Request, context: PlayhouseContext) async throws -> Response {
        let id = try JobRoutes.id(context)
        guard let grant = try await store.users.grants().first(where: { $0.id == id }), try await store.users.deleteGrant(id) else {
            throw RecordKind.grant.notFound(id)
        }
        await changedAccess(
            context, .grantDelete, target: "\(grant.subjectKind.rawValue) \(grant.subject)",
            detail: "\(grant.resourceKind.rawValue) \(grant.resource)")
        return Response(status: .noContent)
    }

    // MARK: Shared

    /// Audits a change to who may sign in or reach what, after emptying the identity cache
    /// so that the change counts from the next request on.
    private func changedAccess(_ context: PlayhouseContext, _ action: AuditAction, target: String, detail: String? = nil) async {
        identities.clear()
        await dependencies.audit(context, action, target: target, detail: detail)
    }

    /// A team's members as its audit entries name them.
    private static func members(of team: Team) -> String {
        "members \(team.members.joined(separator: ", "))"
    }
}
