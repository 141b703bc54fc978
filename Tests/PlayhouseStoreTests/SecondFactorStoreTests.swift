import Foundation
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Two-factor sign-in as stored, on SQLite and PostgreSQL: the secret sealed, each time
/// step and each recovery code used once, pending sign-ins that expire and end once, and
/// all of it gone with the user.
@Suite struct SecondFactorStoreTests {
    @Test(arguments: TestBackend.allCases) func totpStepsRecoveryCodesAndPendingSignIns(backend: TestBackend) async throws {
        try await TestPaths.withStore(backend) { store in
            let box = SecretBox.random()
            let user = try await store.users.create(name: "alice", role: .admin, password: "alice-password", cost: 4)
            _ = try await store.users.create(name: "other", role: .admin, password: "other-password", cost: 4)
            let users = store.users
            #expect(try await users.totp(userID: user.id, box: box) == nil)
            #expect(try await users.beginTOTP(userID: user.id, secret: Data("first".utf8), box: box))
            #expect(try await users.beginTOTP(userID: user.id, secret: Data("second".utf8), box: box), "a setup can start over")
            #expect(
                try await users.totp(userID: user.id, box: box) == StoredTOTP(secret: Data("second".utf8), confirmed: false, lastStep: nil))
            #expect(try await !users.hasTOTP(userID: user.id))
            #expect(try await !users.useTOTPStep(userID: user.id, step: 100), "no step is used before it is on")

            let codes = try #require(try await users.confirmTOTP(userID: user.id, step: 100))
            #expect(codes.count == 10 && Set(codes).count == 10)
            #expect(try await users.confirmTOTP(userID: user.id, step: 101) == nil, "confirmed once")
            #expect(try await users.hasTOTP(userID: user.id))
            #expect(try await users.totp(userID: user.id, box: box)?.lastStep == 100)
            #expect(try await !users.beginTOTP(userID: user.id, secret: Data("third".utf8), box: box), "no new secret while on")
            #expect(try await users.totp(userID: user.id, box: box)?.secret == Data("second".utf8))
            await #expect(throws: StoreError.self, "another key cannot open the secret") {
                try await users.totp(userID: user.id, box: SecretBox.random())
            }

            #expect(try await !users.useTOTPStep(userID: user.id, step: 100), "the confirming code's step is used")
            #expect(try await !users.useTOTPStep(userID: user.id, step: 99))
            #expect(try await users.useTOTPStep(userID: user.id, step: 101))
            #expect(try await !users.useTOTPStep(userID: user.id, step: 101), "each step once")
            #expect(try await users.useTOTPStep(userID: user.id, step: 103))
            #expect(try await !users.useTOTPStep(userID: user.id, step: 102), "nor an earlier one")

            #expect(try await users.recoveryCodesLeft(userID: user.id) == 10)
            #expect(try await users.useRecoveryCode(userID: user.id, code: codes[0].uppercased().replacing("-", with: " ")))
            #expect(try await !users.useRecoveryCode(userID: user.id, code: codes[0]), "each recovery code once")
            #expect(try await !users.useRecoveryCode(userID: user.id, code: "aaaa-bbbb-cccc-dddd"))
            let otherUser = try #require(try await users.named("other"))
            #expect(try await !users.useRecoveryCode(userID: otherUser.id, code: codes[1]), "only its own user's")
            #expect(try await users.recoveryCodesLeft(userID: user.id) == 9)

            let now = Date()
            let token = try await users.createPendingSignIn(userID: user.id, lifetime: .seconds(300), now: now)
            #expect(try await users.pendingSignIn(token: token, now: now)?.name == "alice")
            #expect(try await users.pendingSignIn(token: token, now: now.addingTimeInterval(301)) == nil, "it expires")
            #expect(try await !users.finishPendingSignIn(token: token, now: now.addingTimeInterval(301)))
            #expect(try await users.finishPendingSignIn(token: token, now: now))
            #expect(try await !users.finishPendingSignIn(token: token, now: now), "it ends once")
            #expect(try await users.pendingSignIn(token: token, now: now) == nil)

            #expect(try await users.removeTOTP(userID: user.id))
            #expect(try await !users.removeTOTP(userID: user.id))
            #expect(try await !users.hasTOTP(userID: user.id))
            #expect(try await users.recoveryCodesLeft(userID: user.id) == 0)

            #expect(try await users.beginTOTP(userID: user.id, secret: Data("again".utf8), box: box))
            _ = try #require(try await users.confirmTOTP(userID: user.id, step: 5))
            _ = try await users.createPendingSignIn(userID: user.id, lifetime: .seconds(300))
            #expect(try await users.delete(user.id))
            #expect(try await !users.hasTOTP(userID: user.id), "gone with the user")
            #expect(try await users.recoveryCodesLeft(userID: user.id) == 0)
        }
    }
}
