import Foundation
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@Suite struct UserStoreTests {
    @Test(arguments: TestBackend.allCases) func passwordsSessionsAndTokens(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let alice = try await store.users.create(name: "alice", role: .admin, password: "correct horse")
            #expect(try await store.users.authenticate(name: "alice", password: "correct horse") == alice)
            #expect(try await store.users.authenticate(name: "alice", password: "wrong horse") == nil)
            #expect(try await store.users.authenticate(name: "nobody", password: "correct horse") == nil)
            await #expect(throws: StoreError.self) { try await store.users.create(name: "alice", role: .viewer, password: "another one") }
            await #expect(throws: ValidationError("the password must have at least 8 characters")) {
                try await store.users.create(name: "bob", role: .viewer, password: "short")
            }

            let (cookie, csrf) = try await store.users.createSession(userID: alice.id, lifetime: .seconds(3600))
            #expect(try await store.users.session(token: cookie)?.user.name == "alice")
            #expect(try await store.users.session(token: cookie)?.csrf == csrf)
            #expect(try await store.users.session(token: cookie, now: Date().addingTimeInterval(7200)) == nil, "sessions expire")

            let (token, secret) = try await store.users.createToken(userID: alice.id, name: "ci", expiresAt: Date().addingTimeInterval(60))
            #expect(secret.hasPrefix("ph_") && token.user == "alice" && token.name == "ci")
            #expect(try await store.users.tokenUser(secret: secret)?.id == alice.id)
            #expect(try await store.users.tokenUser(secret: secret, now: Date().addingTimeInterval(120)) == nil, "tokens expire")
            #expect(try await store.users.tokenUser(secret: secret + "x") == nil)
            #expect(try await store.users.tokens(userID: alice.id).first?.lastUsedAt != nil)

            _ = try await store.users.update(alice.id, role: nil, password: "battery staple")
            #expect(try await store.users.session(token: cookie) == nil, "a new password ends the sessions")
            #expect(try await store.users.tokenUser(secret: secret) == nil, "and the tokens")
            #expect(try await store.users.authenticate(name: "alice", password: "battery staple")?.id == alice.id)
            await #expect(throws: StoreError.self) { try await store.users.update(alice.id, role: .viewer, password: nil) }
            await #expect(throws: StoreError.self) { try await store.users.delete(alice.id) }
            let (later, laterSecret) = try await store.users.createToken(userID: alice.id, name: "ci", expiresAt: nil)
            #expect(try await store.users.deleteToken(later.id, userID: alice.id))
            #expect(try await store.users.tokenUser(secret: laterSecret) == nil)
        }
    }

    @Test(arguments: TestBackend.allCases) func grantsOfUsersAndTheirTeamsMakeTheirAccess(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let olga = try await store.users.create(name: "olga", role: .operator, password: "operator-pw")
            _ = try await store.users.create(name: "vic", role: .viewer, password: "viewer-pw1")
            let inventory = try await store.inventories.create(name: "web", kind: .static, content: "a\n")
            #expect(try await store.users.access(for: olga) == Access())

            let team = try await store.users.createTeam(name: "web-team")
            #expect(try await store.users.setTeamMembers(team.id, users: ["olga", "vic"])?.members == ["olga", "vic"])
            _ = try await store.users.createGrant(subjectKind: .team, subject: "web-team", resourceKind: .project, resource: "demo")
            _ = try await store.users.createGrant(
                subjectKind: .user, subject: "olga", resourceKind: .inventory,
                resource: String(inventory.id))
            await #expect(throws: StoreError.self) {
                try await store.users.createGrant(subjectKind: .user, subject: "olga", resourceKind: .inventory, resource: "999")
            }
            let access = try await store.users.access(for: try #require(await store.users.named("olga")))
            #expect(access.allows(project: "demo") && !access.allows(project: "other"))
            #expect(access.allows(inventory: inventory.id) && !access.allows(inventory: inventory.id + 1))
            #expect(try await store.users.named("vic")?.teams == ["web-team"])

            #expect(try await store.users.deleteTeam(team.id))
            #expect(try await store.users.access(for: try #require(await store.users.named("vic"))) == Access())
            #expect(try await store.users.grants().count == 1)
            #expect(try await store.users.delete(olga.id))
            #expect(try await store.users.grants().isEmpty, "a deleted user's grants go with them")
        }
    }

    @Test func aDeletedUsersHooksGoWithThem() async throws {
        try await TestPaths.withStore { store in
            let maker = try await store.users.create(name: "maker", role: .admin, password: "maker-password")
            _ = try await store.users.create(name: "other", role: .admin, password: "other-password")
            let flow = WorkflowDefinition(nodes: [WorkflowNode(id: "a", kind: .template, template: .name("hello"))])
            let workflow = try await store.workflows.create(name: "flow", definition: flow)
            let template = try await store.templates.create(
                name: "hello",
                definition: TemplateDefinition(parameters: JobParameters(project: "demo", playbook: "hello.yml", inventory: "i")))
            let workflowToken = try await store.templates.createHook(for: .workflow(workflow.id), createdBy: "maker")
            let templateToken = try await store.templates.createHook(for: .template(template.id), createdBy: "maker")
            #expect(try await store.templates.hookOwner(of: .workflow(workflow.id), token: workflowToken) == "maker")
            #expect(try await store.users.delete(maker.id))
            // A later user named maker must not inherit a hook that launches as them.
            #expect(try await store.templates.hookOwner(of: .workflow(workflow.id), token: workflowToken) == nil)
            #expect(try await store.templates.hookOwner(of: .template(template.id), token: templateToken) == nil)
        }
    }

    @Test func theAuditLogPagesNewestFirst() async throws {
        try await TestPaths.withStore { store in
            for index in 1...5 { try await store.users.recordAudit(AuditEntry(actor: "alice", action: .jobLaunch, target: "job \(index)")) }
            let first = try await store.users.auditLog(limit: 2)
            #expect(first.map(\.target) == ["job 5", "job 4"])
            #expect(try await store.users.auditLog(limit: 10, before: first.last?.id).map(\.target) == ["job 3", "job 2", "job 1"])
        }
    }
}
