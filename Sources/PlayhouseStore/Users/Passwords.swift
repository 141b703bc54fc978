import Foundation
import HummingbirdBcrypt

extension UserRepository {
    /// bcrypt's work factor: about a quarter second per hash on one core.
    public static let bcryptCost: UInt8 = 12

    /// Password checks waiting beyond this many are refused (``PasswordChecksBusy``):
    /// a flood of sign-ins cannot queue up without bound.
    static let passwordChecksWaitingLimit = 32

    /// A hash of nothing anyone knows, checked against for unknown names.
    static let unknownUserHash = Bcrypt.hash(Token.random(), cost: bcryptCost)

    /// bcrypt takes a while on purpose, so it runs off the cooperative pool, and at most
    /// ``Store/bcryptWidth`` at once.
    func hash(_ password: String, cost: UInt8) async throws -> String {
        try await store.bcryptWork.withPermit { await Self.offPool { Bcrypt.hash(password, cost: cost) } }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        do {
            return try await store.bcryptWork.withPermit(waitingLimit: Self.passwordChecksWaitingLimit) {
                await Self.offPool { Bcrypt.verify(password, hash: hash) }
            }
        } catch is AsyncSemaphore.Full {
            throw PasswordChecksBusy()
        }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
