import Foundation
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@Suite struct UserStoreTests {
    @Test(arguments: TestBackend.allCases) func passwordsSessionsAndTokens(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let alice = try await store.createUser(name: "alice", role: .admin, password: "correct horse")
            #expect(try await store.authenticate(name: "alice", password: "correct horse") == alice)
            #expect(try await store.authenticate(name: "alice", password: "wrong horse") == nil)
            #expect(try await store.authenticate(name: "nobody", password: "correct horse") == nil)
            await #expect(throws: StoreError.self) { try await store.createUser(name: "alice", role: .viewer, password: "another one") }
            await #expect(throws: ValidationError("the password must have at least 8 characters")) {
                try await store.createUser(name: "bob", role: .viewer, password: "short")
            }

            let (cookie, csrf) = try await store.createSession(userID: alice.id, lifetime: .seconds(3600))
            #expect(try await store.session(token: cookie)?.user.name == "alice")
            #expect(try await store.session(token: cookie)?.csrf == csrf)
            #expect(try await store.session(token: cookie, now: Date().addingTimeInterval(7200)) == nil, "sessions expire")

            let (token, secret) = try await store.createToken(userID: alice.id, name: "ci", expiresAt: Date().addingTimeInterval(60))
            #expect(secret.hasPrefix("ph_") && token.user == "alice" && token.name == "ci")
            #expect(try await store.tokenUser(secret: secret)?.id == alice.id)
            #expect(try await store.tokenUser(secret: secret, now: Date().addingTimeInterval(120)) == nil, "tokens expire")
            #expect(try await store.tokenUser(secret: secret + "x") == nil)
            #expect(try await store.tokens(userID: alice.id).first?.lastUsedAt != nil)

            _ = try await store.updateUser(alice.id, role: nil, password: "battery staple")
            #expect(try await store.session(token: cookie) == nil, "a new password ends the sessions")
            #expect(try await store.tokenUser(secret: secret) == nil, "and the tokens")
            #expect(try await store.authenticate(name: "alice", password: "battery staple")?.id == alice.id)
            await #expect(throws: StoreError.self) { try await store.updateUser(alice.id, role: .viewer, password: nil) }
            await #expect(throws: StoreError.self) { try await store.deleteUser(alice.id) }
            let (later, laterSecret) = try await store.createToken(userID: alice.id, name: "ci", expiresAt: nil)
            #expect(try await store.deleteToken(later.id, userID: alice.id))
            #expect(try await store.tokenUser(secret: laterSecret) == nil)
        }
    }

    @Test(arguments: TestBackend.allCases) func grantsOfUsersAndTheirTeamsMakeTheirAccess(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let olga = try await store.createUser(name: "olga", role: .operator, password: "operator-pw")
            _ = try await store.createUser(name: "vic", role: .viewer, password: "viewer-pw1")
            let inventory = try await store.createInventory(name: "web", kind: .static, content: "a\n")
            #expect(try await store.access(for: olga) == Access())

            let team = try await store.createTeam(name: "web-team")
            #expect(try await store.setTeamMembers(team.id, users: ["olga", "vic"])?.members == ["olga", "vic"])
            _ = try await store.createGrant(subjectKind: .team, subject: "web-team", resourceKind: .project, resource: "demo")
            _ = try await store.createGrant(subjectKind: .user, subject: "olga", resourceKind: .inventory, resource: String(inventory.id))
            await #expect(throws: StoreError.self) {
                try await store.createGrant(subjectKind: .user, subject: "olga", resourceKind: .inventory, resource: "999")
            }
            let access = try await store.access(for: try #require(await store.user(named: "olga")))
            #expect(access.allows(project: "demo") && !access.allows(project: "other"))
            #expect(access.allows(inventory: inventory.id) && !access.allows(inventory: inventory.id + 1))
            #expect(try await store.user(named: "vic")?.teams == ["web-team"])

            #expect(try await store.deleteTeam(team.id))
            #expect(try await store.access(for: try #require(await store.user(named: "vic"))) == Access())
            #expect(try await store.grants().count == 1)
            #expect(try await store.deleteUser(olga.id))
            #expect(try await store.grants().isEmpty, "a deleted user's grants go with them")
        }
    }

    @Test func theAuditLogPagesNewestFirst() async throws {
        try await TestPaths.withStore { store in
            for index in 1...5 { try await store.recordAudit(AuditEntry(actor: "alice", action: "job.launch", target: "job \(index)")) }
            let first = try await store.auditLog(limit: 2)
            #expect(first.map(\.target) == ["job 5", "job 4"])
            #expect(try await store.auditLog(limit: 10, before: first.last?.id).map(\.target) == ["job 3", "job 2", "job 1"])
        }
    }
}
