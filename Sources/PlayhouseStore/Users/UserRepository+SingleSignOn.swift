public import Foundation
public import PlayhouseCore
import SQLKit

/// A sign-in sent to an OpenID Connect provider: what its answer must match.
public struct SingleSignOnAttempt: Sendable, Equatable {
    /// The provider's name in Playhouse's configuration.
    public var provider: String
    /// Sent as `state`; the browser keeps it too, in a cookie, so that only the browser that
    /// started the sign-in can finish it.
    public var state: String
    /// Sent as `nonce`; the ID token must carry it back.
    public var nonce: String
    /// PKCE: its SHA-256 goes to the provider first, the verifier itself with the code.
    public var verifier: String
    /// The page to go on to once signed in.
    public var next: String
}

/// Another sign-in cannot begin: too many are on their way through providers.
public struct SingleSignOnBusy: Error, Sendable {}

extension UserRepository {
    /// How many sign-ins may be on their way through providers at once: each holds a row
    /// until it comes back or expires.
    public static let singleSignOnsInFlightLimit = 10_000

    /// Begins a sign-in at `provider`: new random state, nonce and PKCE verifier, stored
    /// (the state as a digest, the verifier sealed) until `lifetime` has passed.
    public func beginSingleSignOn(
        provider: String, next: String, box: SecretBox, lifetime: Duration, now: Date = Date()
    ) async throws -> SingleSignOnAttempt {
        let attempt = SingleSignOnAttempt(
            provider: provider, state: Token.random(), nonce: Token.random(), verifier: Token.random(), next: next)
        let sealed = try box.seal(Data(attempt.verifier.utf8))
        try await store.withTransaction { store in
            // Ended ones go as new ones come, as sessions do.
            try await store.sql.raw("DELETE FROM sso_sign_ins WHERE expires_at < \(bind: now.timeIntervalSince1970)").run()
            let inFlight = try await store.sql.raw("SELECT COUNT(*) AS n FROM sso_sign_ins").first(decodingColumn: "n", as: Int.self) ?? 0
            guard inFlight < Self.singleSignOnsInFlightLimit else { throw SingleSignOnBusy() }
            try await store.sql.raw(
                """
                INSERT INTO sso_sign_ins (state_hash, provider, nonce, verifier_sealed, next, created_at, expires_at)
                VALUES (\(bind: Token.digest(attempt.state)), \(bind: provider), \(bind: attempt.nonce), \(bind: sealed),
                        \(bind: next), \(bind: now.timeIntervalSince1970),
                        \(bind: now.addingTimeInterval(lifetime.inSeconds).timeIntervalSince1970))
                """
            ).run()
        }
        return attempt
    }

    /// Ends the sign-in of `state` and returns it: only once, and only before it expired.
    public func finishSingleSignOn(state: String, box: SecretBox, now: Date = Date()) async throws -> SingleSignOnAttempt? {
        guard
            let row = try await sql.raw(
                """
                DELETE FROM sso_sign_ins
                WHERE state_hash = \(bind: Token.digest(state)) AND expires_at > \(bind: now.timeIntervalSince1970)
                RETURNING provider, nonce, verifier_sealed, next
                """
            ).first()
        else { return nil }
        let verifier = try box.open(try row.decode(column: "verifier_sealed", as: String.self))
        return SingleSignOnAttempt(
            provider: try row.decode(column: "provider", as: String.self), state: state,
            nonce: try row.decode(column: "nonce", as: String.self), verifier: String(decoding: verifier, as: UTF8.self),
            next: try row.decode(column: "next", as: String.self))
    }

    /// The user a provider's account (`issuer`'s `subject`) signed in as before, or nil.
    public func singleSignOnUser(issuer: String, subject: String) async throws -> User? {
        let id = try await sql.raw(
            "SELECT user_id FROM sso_identities WHERE issuer = \(bind: issuer) AND subject = \(bind: subject)"
        ).first(decodingColumn: "user_id", as: Int64.self)
        guard let id else { return nil }
        return try await find(id)
    }

    /// Notes that the account signed in now.
    public func touchSingleSignOn(issuer: String, subject: String, now: Date = Date()) async throws {
        try await sql.raw(
            """
            UPDATE sso_identities SET last_sign_in_at = \(bind: now.timeIntervalSince1970)
            WHERE issuer = \(bind: issuer) AND subject = \(bind: subject)
            """
        ).run()
    }

    /// Stores a new user for a provider's account, linked to it. They have no password
    /// anyone knows: they sign in at the provider. The name must be unused: a provider
    /// account never takes over a local user of the same name.
    public func createSingleSignOnUser(
        name: String, role: Role, provider: String, issuer: String, subject: String, now: Date = Date()
    ) async throws -> User {
        try User.validateName(name)
        let time = now.timeIntervalSince1970
        return try await store.withTransaction { store in
            if try await store.users.named(name) != nil {
                throw StoreError(.conflict, "a user named \"\(name)\" already exists")
            }
            let user = try await store.sql.raw(
                """
                INSERT INTO users (name, role, password_hash, created_at, updated_at)
                VALUES (\(bind: name), \(bind: role.rawValue), \(bind: Self.unknownUserHash), \(bind: time), \(bind: time))
                RETURNING *
                """
            ).inserted("user", as: User.self)
            try await store.sql.raw(
                """
                INSERT INTO sso_identities (issuer, subject, provider, user_id, created_at, last_sign_in_at)
                VALUES (\(bind: issuer), \(bind: subject), \(bind: provider), \(bind: user.id), \(bind: time), \(bind: time))
                """
            ).run()
            return user
        }
    }

    /// Makes the user a member of exactly `teams` among `managed` (the teams a provider's
    /// mapping names), creating teams that do not exist yet; teams outside `managed` are
    /// left as they are. Returns the teams joined and left.
    public func syncTeams(
        userID: Int64, teams: Set<String>, managed: Set<String>, now: Date = Date()
    ) async throws -> (joined: [String], left: [String]) {
        try await store.withTransaction { store in
            let current = Set(
                try await store.sql.raw(
                    """
                    SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = \(bind: userID)
                    """
                ).all(decodingColumn: "name", as: String.self))
            let joined = teams.intersection(managed).subtracting(current).sorted()
            let left = current.intersection(managed).subtracting(teams).sorted()
            for name in joined {
                var id = try await store.users.teamID(named: name)
                if id == nil { id = try await store.users.createTeam(name: name, now: now).id }
                guard let id else { continue }
                try await store.sql.raw("INSERT INTO team_members (team_id, user_id) VALUES (\(bind: id), \(bind: userID))").run()
            }
            for name in left {
                guard let id = try await store.users.teamID(named: name) else { continue }
                try await store.sql.raw("DELETE FROM team_members WHERE team_id = \(bind: id) AND user_id = \(bind: userID)").run()
            }
            return (joined, left)
        }
    }

    /// Ends every session and deletes every API token of the user, at once: what they
    /// were given no longer stands.
    public func revokeAccess(userID: Int64) async throws {
        try await store.withTransaction { store in
            try await store.sql.raw("DELETE FROM sessions WHERE user_id = \(bind: userID)").run()
            try await store.sql.raw("DELETE FROM api_tokens WHERE user_id = \(bind: userID)").run()
            try await store.sql.raw("DELETE FROM pending_sign_ins WHERE user_id = \(bind: userID)").run()
        }
    }
}
